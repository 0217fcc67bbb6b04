/** The service's Prometheus metrics: what it counts as things happen, and what it reads when scraped. */
import { MetricsRegistry } from './metrics.js';
import type { Service } from './service.js';

export interface ServiceCounters {
  request(method: string, route: string, status: number, seconds: number): void;
  prediction(label: string): void;
  feedback(error: number): void;
  update(outcome: 'accepted' | 'rejected' | 'failed', trigger: string): void;
  drift(): void;
}

export function serviceMetrics(s: Service): { metrics: MetricsRegistry; counters: ServiceCounters } {
  const m = new MetricsRegistry();
  const requests = m.counter('accrete_http_requests_total', 'HTTP requests by method, route and status.');
  const latency = m.histogram('accrete_http_request_duration_seconds', 'HTTP request latency by route, in seconds.');
  const predictions = m.counter('accrete_predictions_total', 'Texts predicted, by top label.');
  const feedback = m.counter('accrete_feedback_events_total', 'Feedback events recorded since start.');
  const feedbackErrors = m.counter('accrete_feedback_errors_total', 'Feedback events the serving version had got wrong, since start.');
  const updates = m.counter('accrete_updates_total', 'Update jobs by outcome and trigger.');
  const drift = m.counter('accrete_drift_detections_total', 'Times the drift detector fired on the live error rate.');
  m.gauge({ name: 'accrete_active_version', help: 'The serving version (value 1, the id as a label; seq is the number of the id).', read: () => [{ labels: { version: s.active.id }, value: 1 }] });
  m.gauge({ name: 'accrete_active_version_seq', help: 'The number of the serving version id (v3 -> 3).', read: () => [{ value: Number(s.active.id.slice(1)) }] });
  m.gauge({ name: 'accrete_feedback_pending', help: 'Feedback events no update has used yet.', read: () => [{ value: s.pending }] });
  m.gauge({ name: 'accrete_feedback_stored', help: 'Feedback events in the registry.', read: () => [{ value: s.stored.feedback }] });
  m.gauge({ name: 'accrete_live_error_rate', help: 'Share of the last feedback events (up to 200) the serving version got wrong.', read: () => [{ value: s.live.rate() ?? 0 }] });
  m.gauge({ name: 'accrete_drift_statistic', help: 'Page-Hinkley statistic on the live error stream (fires at accrete_drift_threshold).', read: () => (s.drift ? [{ value: s.drift.state().statistic }] : []) });
  m.gauge({ name: 'accrete_drift_threshold', help: 'Level of the Page-Hinkley statistic at which drift is signalled.', read: () => (s.drift ? [{ value: s.drift.options.threshold }] : []) });
  m.gauge({ name: 'accrete_feedback_quarantined', help: 'Feedback events set aside because they made updates fail (GET /v1/updates/JOB lists them with the reason).', read: () => [{ value: s.stored.quarantined }] });
  m.gauge({ name: 'accrete_update_consecutive_failures', help: 'Update jobs in a row that failed (0 once one finishes); above 0, /v1/health says degraded.', read: () => [{ value: s.health.failures }] });
  m.gauge({ name: 'accrete_healthy', help: '1 when /v1/health says ok, 0 when degraded.', read: () => [{ value: s.health.report().status === 'ok' ? 1 : 0 }] });
  m.gauge({ name: 'accrete_update_running', help: '1 while an update job runs.', read: () => [{ value: s.updates.running ? 1 : 0 }] });
  return {
    metrics: m,
    counters: {
      request: (method, route, status, seconds) => {
        requests({ method, route, status: String(status) });
        latency({ route }, seconds);
      },
      prediction: (label) => predictions({ label }),
      feedback: (error) => {
        feedback();
        if (error) feedbackErrors();
      },
      update: (outcome, trigger) => updates({ outcome, trigger }),
      drift: () => drift(),
    },
  };
}
