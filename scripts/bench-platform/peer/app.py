"""The Python peer of issue 13: the same social-webhook ingestion written the way a Python team would
(FastAPI + pydantic v2 + orjson + confluent-kafka), answering 202 only after Kafka acknowledged every
accepted event (acks=all, idempotent). Run with two workers beside the platform on the same broker:

    uvicorn app:app --workers 2 --port 18180        (env PEER_BROKERS, PEER_TOPIC_PREFIX)

It validates the contract's social events (section 1.1) with pydantic models, reports per-event
errors, and publishes each valid event's original JSON keyed by user to `<prefix>events.<source>`.
"""
import asyncio
import os
import threading
from decimal import Decimal
from typing import Annotated, Literal, Optional, Union

import orjson
from confluent_kafka import KafkaException, Producer
from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter, ValidationError, model_validator

FACEBOOK = {"top": {"ad.view", "page.like", "comment", "video.view"},
            "bottom": {"ad.click", "form.submission", "checkout.complete"}}
TIKTOK = {"top": {"video.view", "like", "share", "comment"},
          "bottom": {"profile.visit", "purchase", "follow"}}


class Location(BaseModel):
    country: str
    city: str


class FacebookUser(BaseModel):
    userId: str
    name: str
    age: int = Field(ge=0)
    gender: Literal["male", "female", "non-binary"]
    location: Location


class FacebookTop(BaseModel):
    actionTime: AwareDatetime
    referrer: Literal["newsfeed", "marketplace", "groups"]
    videoId: Optional[str] = None


class FacebookBottom(BaseModel):
    adId: str
    campaignId: str
    clickPosition: Literal["top_left", "bottom_right", "center"]
    device: Literal["mobile", "desktop"]
    browser: Literal["Chrome", "Firefox", "Safari"]
    purchaseAmount: Optional[Decimal] = None


class TikTokUser(BaseModel):
    userId: str
    username: str
    followers: int = Field(ge=0)


class TikTokTop(BaseModel):
    watchTime: float = Field(ge=0)
    percentageWatched: float = Field(ge=0, le=100)
    device: Literal["Android", "iOS", "Desktop"]
    country: str
    videoId: str


class TikTokBottom(BaseModel):
    actionTime: AwareDatetime
    profileId: Optional[str] = None
    purchasedItem: Optional[str] = None
    purchaseAmount: Optional[Decimal] = None


class FacebookData(BaseModel):
    user: FacebookUser
    engagement: Union[FacebookTop, FacebookBottom]


class TikTokData(BaseModel):
    user: TikTokUser
    engagement: Union[TikTokTop, TikTokBottom]


class Envelope(BaseModel):
    eventId: str = Field(min_length=1, max_length=128)
    timestamp: AwareDatetime
    funnelStage: Literal["top", "bottom"]
    eventType: str


class FacebookEvent(Envelope):
    source: Literal["facebook"]
    data: FacebookData

    @model_validator(mode="after")
    def stage_matches(self):
        if self.eventType not in FACEBOOK[self.funnelStage]:
            raise ValueError(f"eventType {self.eventType} is not a facebook {self.funnelStage} event")
        wanted = FacebookTop if self.funnelStage == "top" else FacebookBottom
        if not isinstance(self.data.engagement, wanted):
            raise ValueError(f"engagement does not match funnelStage {self.funnelStage}")
        return self


class TikTokEvent(Envelope):
    source: Literal["tiktok"]
    data: TikTokData

    @model_validator(mode="after")
    def stage_matches(self):
        if self.eventType not in TIKTOK[self.funnelStage]:
            raise ValueError(f"eventType {self.eventType} is not a tiktok {self.funnelStage} event")
        wanted = TikTokTop if self.funnelStage == "top" else TikTokBottom
        if not isinstance(self.data.engagement, wanted):
            raise ValueError(f"engagement does not match funnelStage {self.funnelStage}")
        return self


SocialEvent = TypeAdapter(Annotated[Union[FacebookEvent, TikTokEvent], Field(discriminator="source")])
PREFIX = os.environ.get("PEER_TOPIC_PREFIX", "peer-")
producer = Producer({
    "bootstrap.servers": os.environ.get("PEER_BROKERS", "127.0.0.1:9092"),
    "acks": "all", "enable.idempotence": True, "linger.ms": 5, "compression.type": "lz4",
    "message.timeout.ms": 30000,
})
app = FastAPI()


def answer(body, status, headers=None):
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def poll_deliveries():
    while True:
        producer.poll(0.05)


threading.Thread(target=poll_deliveries, daemon=True).start()


async def publish(items):
    """Validates `items` and publishes the valid ones; the answer waits for every acknowledgement."""
    loop = asyncio.get_running_loop()
    errors, futures, seen, duplicates = [], [], set(), 0
    for index, item in enumerate(items):
        try:
            event = SocialEvent.validate_python(item)
        except ValidationError as error:
            event_id = item.get("eventId") if isinstance(item, dict) else None
            errors.append({"index": index, "eventId": event_id, "error": str(error.errors()[0]["msg"])})
            continue
        if (event.source, event.eventId) in seen:
            duplicates += 1
            continue
        seen.add((event.source, event.eventId))
        future = loop.create_future()

        def delivered(error, _message, future=future):
            loop.call_soon_threadsafe(future.set_result, error)

        producer.produce(PREFIX + "events." + event.source, orjson.dumps(item),
                         key=event.data.user.userId.encode(), on_delivery=delivered)
        futures.append(future)
    outcomes = await asyncio.gather(*futures)
    if any(error is not None for error in outcomes):
        return answer({"error": "Kafka did not acknowledge every event"}, 503, {"Retry-After": "1"})
    body = {"accepted": len(futures), "rejected": len(errors), "duplicates": duplicates, "errors": errors[:1000]}
    return answer(body, 202 if futures else 400)


@app.post("/webhook/events")
async def webhook(request: Request):
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        return answer({"error": f"body is not JSON: {error}"}, 400)
    items = body if isinstance(body, list) else [body]
    return await publish(items)


@app.post("/webhook/events/bulk")
async def bulk(request: Request):
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        return answer({"error": f"body is not JSON: {error}"}, 400)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return answer({"error": "body must be {\"events\": [...]}"}, 400)
    if len(body["events"]) > 50_000:
        return answer({"error": "at most 50,000 events"}, 413)
    return await publish(body["events"])


@app.get("/health/ready")
async def ready():
    return {"status": "ready"}
