{{/* Names */}}
{{- define "eventplatform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eventplatform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>, e.g. release-eventplatform-collector-facebook. ctx: dict root component */}}
{{- define "eventplatform.componentName" -}}
{{- printf "%s-%s" (include "eventplatform.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eventplatform.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "eventplatform.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels. ctx: dict root component [source] */}}
{{- define "eventplatform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eventplatform.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .source }}
eventplatform.io/source: {{ .source }}
{{- end }}
{{- end -}}

{{- define "eventplatform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "eventplatform.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: eventplatform
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "eventplatform.annotations" -}}
{{- with .Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "eventplatform.image" -}}
{{- $img := .Values.image -}}
{{- $repo := ternary (printf "%s/%s" $img.registry $img.repository) $img.repository (ne $img.registry "") -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{/* Kafka names, with the topic prefix */}}
{{- define "eventplatform.consumerGroup" -}}
{{- printf "%scollector-%s" .root.Values.kafka.topicPrefix .source -}}
{{- end -}}
{{- define "eventplatform.topic" -}}
{{- printf "%sevents.%s" .root.Values.kafka.topicPrefix .source -}}
{{- end -}}

{{/* The Secret holding DATABASE_URL and its key */}}
{{- define "eventplatform.databaseSecretName" -}}
{{- default (printf "%s-database" (include "eventplatform.fullname" .)) .Values.postgresql.existingSecret -}}
{{- end -}}
{{- define "eventplatform.databaseSecretKey" -}}
{{- ternary .Values.postgresql.existingSecretKey "DATABASE_URL" (ne .Values.postgresql.existingSecret "") -}}
{{- end -}}

{{- define "eventplatform.databaseURL" -}}
{{- $pg := .Values.postgresql -}}
{{- if $pg.url -}}
{{- $pg.url -}}
{{- else -}}
{{- $auth := $pg.username | urlquery -}}
{{- if $pg.password }}{{ $auth = printf "%s:%s" $auth ($pg.password | urlquery) }}{{ end -}}
{{- printf "postgres://%s@%s:%v/%s?sslmode=%s" $auth $pg.host $pg.port $pg.database $pg.sslmode -}}
{{- end -}}
{{- end -}}

{{/* Collector replica ceiling: the partitions, or a lower configured maximum (fails above them). */}}
{{- define "eventplatform.collectorMaxReplicas" -}}
{{- $partitions := int .Values.kafka.partitions -}}
{{- $max := .max -}}
{{- if kindIs "invalid" $max -}}
{{- $partitions -}}
{{- else if gt (int $max) $partitions -}}
{{- fail (printf "collector max replicas (%v) is above kafka.partitions (%d): a collector beyond the partition count would own no partition" $max $partitions) -}}
{{- else -}}
{{- int $max -}}
{{- end -}}
{{- end -}}

{{/* Environment every platform container shares */}}
{{- define "eventplatform.commonEnv" -}}
- name: KAFKA_BROKERS
{{- if .Values.kafka.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.existingSecret }}
      key: {{ .Values.kafka.existingSecretKey }}
{{- else }}
  value: {{ .Values.kafka.bootstrapServers | quote }}
{{- end }}
- name: KAFKA_TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
- name: KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "eventplatform.databaseSecretName" . }}
      key: {{ include "eventplatform.databaseSecretKey" . }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{/* name: value pairs from a map, sorted */}}
{{- define "eventplatform.envMap" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* Probes on the port named http. ctx: root */}}
{{- define "eventplatform.probes" -}}
{{- $p := .Values.probes -}}
startupProbe:
  httpGet:
    path: {{ $p.startup.path }}
    port: http
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: {{ $p.liveness.path }}
    port: http
  initialDelaySeconds: {{ $p.liveness.initialDelaySeconds }}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: {{ $p.readiness.path }}
    port: http
  initialDelaySeconds: {{ $p.readiness.initialDelaySeconds }}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end -}}

{{/* Pod-level spec shared by every workload (after containers). ctx: root */}}
{{- define "eventplatform.podCommon" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end -}}

{{- define "eventplatform.containerCommon" -}}
image: {{ include "eventplatform.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.containerSecurityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}
