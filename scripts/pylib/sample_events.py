"""Valid social webhook events of the platform contract (section 1.1), for the scripts that drive the
platform from outside (scripts/bench-platform, scripts/chaos)."""
import json
from decimal import Decimal

FACEBOOK_TOP = ["ad.view", "page.like", "comment", "video.view"]
FACEBOOK_BOTTOM = ["ad.click", "form.submission", "checkout.complete"]
TIKTOK_TOP = ["video.view", "like", "share", "comment"]
TIKTOK_BOTTOM = ["profile.visit", "purchase", "follow"]
COUNTRIES = ["UA", "PL", "DE", "US", "GB", "FR", "ES", "IT"]


def social_event(rng, event_id, day, users=200_000):
    """One valid social event of the contract (section 1.1), dated on `day` (YYYY-MM-DD)."""
    stamp = f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    user = rng.randrange(users)
    if rng.random() < 0.5:
        stage = "top" if rng.random() < 0.8 else "bottom"
        kind = rng.choice(FACEBOOK_TOP if stage == "top" else FACEBOOK_BOTTOM)
        if stage == "top":
            engagement = {"actionTime": stamp, "referrer": rng.choice(["newsfeed", "marketplace", "groups"]),
                          "videoId": None if rng.random() < 0.5 else f"v-{rng.randrange(1000)}"}
        else:
            engagement = {"adId": f"ad-{rng.randrange(500)}", "campaignId": f"c-{rng.randrange(50)}",
                          "clickPosition": rng.choice(["top_left", "bottom_right", "center"]),
                          "device": rng.choice(["mobile", "desktop"]), "browser": rng.choice(["Chrome", "Firefox", "Safari"]),
                          "purchaseAmount": f"{rng.randrange(1, 50000) / 100:.2f}" if kind == "checkout.complete" else None}
        body = {"eventId": event_id, "timestamp": stamp, "source": "facebook", "funnelStage": stage, "eventType": kind,
                "data": {"user": {"userId": f"fb-{user}", "name": f"User {user}", "age": 18 + user % 60,
                                  "gender": ["male", "female", "non-binary"][user % 3],
                                  "location": {"country": COUNTRIES[user % len(COUNTRIES)], "city": f"City {user % 40}"}},
                         "engagement": engagement}}
    else:
        stage = "top" if rng.random() < 0.8 else "bottom"
        kind = rng.choice(TIKTOK_TOP if stage == "top" else TIKTOK_BOTTOM)
        if stage == "top":
            engagement = {"watchTime": round(rng.random() * 60, 2), "percentageWatched": round(rng.random() * 100, 1),
                          "device": rng.choice(["Android", "iOS", "Desktop"]), "country": COUNTRIES[user % len(COUNTRIES)],
                          "videoId": f"v-{rng.randrange(1000)}"}
        else:
            engagement = {"actionTime": stamp, "profileId": f"p-{rng.randrange(1000)}",
                          "purchasedItem": "item" if kind == "purchase" else None,
                          "purchaseAmount": f"{rng.randrange(1, 50000) / 100:.2f}" if kind == "purchase" else None}
        body = {"eventId": event_id, "timestamp": stamp, "source": "tiktok", "funnelStage": stage, "eventType": kind,
                "data": {"user": {"userId": f"tt-{user}", "username": f"user{user}", "followers": user % 10_000},
                         "engagement": engagement}}
    return json.dumps(body, separators=(",", ":"))


def revenue_of(event_json):
    """The purchase amount an event adds to the revenue report (contract: bottom events with an amount)."""
    event = json.loads(event_json)
    amount = event["data"]["engagement"].get("purchaseAmount")
    return Decimal(amount) if amount is not None else Decimal(0)
