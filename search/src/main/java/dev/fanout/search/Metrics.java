package dev.fanout.search;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The search server's Prometheus metrics, in a registry of its own: requests by mode and status, a
 * latency histogram, backend failures by reason, and backend calls cancelled.
 */
final class Metrics {
  /** The content type of {@link #scrape()}. */
  static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests =
      Counter.builder()
          .name("fanout_search_requests_total")
          .help("Search requests answered, by mode (failfast, partial) and HTTP status")
          .labelNames("mode", "code")
          .register(registry);
  private final Histogram latency =
      Histogram.builder()
          .name("fanout_search_request_duration_seconds")
          .help("Time from request to answer, by mode")
          .labelNames("mode")
          .classicOnly()
          .classicUpperBounds(
              0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .withoutExemplars()
          .register(registry);
  private final Counter backendFailures =
      Counter.builder()
          .name("fanout_search_backend_failures_total")
          .help("Backend calls that failed, by backend and reason")
          .labelNames("backend", "reason")
          .register(registry);
  private final Counter cancellations =
      Counter.builder()
          .name("fanout_search_backend_cancelled_total")
          .help("Backend calls cancelled because another backend failed or the deadline passed")
          .labelNames("backend")
          .register(registry);

  /** A search request was answered with {@code status}; it arrived at {@code startNanos}. */
  void answered(String mode, int status, long startNanos) {
    requests.labelValues(mode, Integer.toString(status)).inc();
    latency.labelValues(mode).observe((System.nanoTime() - startNanos) / 1e9);
  }

  /** A call to {@code backend} failed; {@code reason} is one word (status, timeout...). */
  void backendFailed(String backend, String reason) {
    backendFailures.labelValues(backend, reason).inc();
  }

  /** The calls to these backends were cancelled. */
  void cancelled(List<String> backends) {
    for (String b : backends) {
      cancellations.labelValues(b).inc();
    }
  }

  /** Every metric, in Prometheus text format. */
  byte[] scrape() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(buf, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return buf.toByteArray();
  }
}
