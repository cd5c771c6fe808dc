package dev.fanout.translate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The JSON report of one run: counts, failures by reason, and every failed document or input
 * problem with its reason and message; and, when {@link JobOptions#reportPage()} names one, the
 * same run as a page ({@link ReportPage}). Written atomically; failures are streamed from the state
 * store, so a run with a million failures still writes its report in a small heap. API keys never
 * appear in it.
 */
final class Report {
  private Report() {}

  /**
   * Writes the JSON report to {@code file}, then the page, if the options ask for one.
   *
   * @param file the JSON report ({@link JobOptions#report()})
   */
  static void write(
      Path file, TranslateJob.Result r, JobOptions options, String backend, StateStore store)
      throws IOException {
    long[] failed = new long[1];
    Consumer<Consumer<StateStore.Row>> failures =
        each ->
            store.failures(
                r.run(),
                row -> {
                  failed[0]++;
                  each.accept(row);
                });
    SafePaths.writeAtomically(file, tmp -> writeJson(tmp, r, options, backend, failures));
    if (options.reportPage() != null) {
      Map<String, Long> byTenant = new TreeMap<>();
      r.tenants().forEach((name, t) -> byTenant.put(name, t.memoryChars()));
      Optional<ReportPage.FromMemory> memory =
          Optional.of(new ReportPage.FromMemory(r.memoryChars(), byTenant));
      // The page lists the first rows only; how many there are in all was counted just now.
      ReportPage.write(
          options.reportPage(),
          r,
          options,
          backend,
          each -> store.failures(r.run(), ReportPage.MAX_ROWS, each),
          failed[0],
          memory);
    }
  }

  /** What writes one failure row; may fail with an {@link IOException}. */
  interface RowWriter {
    void write(StateStore.Row row) throws IOException;
  }

  /** Hands every failure of the run to {@code w}, rethrowing its {@link IOException} as is. */
  static void eachFailure(Consumer<Consumer<StateStore.Row>> failures, RowWriter w)
      throws IOException {
    try {
      failures.accept(
          row -> {
            try {
              w.write(row);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void writeJson(
      Path tmp,
      TranslateJob.Result r,
      JobOptions options,
      String backend,
      Consumer<Consumer<StateStore.Row>> failures)
      throws IOException {
    try (JsonGenerator g =
        new JsonFactory()
            .createGenerator(tmp.toFile(), JsonEncoding.UTF8)
            .useDefaultPrettyPrinter()) {
      g.writeStartObject();
      g.writeNumberField("run", r.run());
      g.writeStringField("finished", Instant.now().toString());
      g.writeNumberField("elapsed_seconds", r.elapsed().toMillis() / 1000.0);
      g.writeBooleanField("interrupted", r.interrupted());
      g.writeStringField("backend", backend);
      g.writeStringField("from", options.from());
      g.writeStringField("to", options.to());
      g.writeBooleanField("retry_failed_only", options.retryFailed());
      g.writeObjectFieldStart("documents");
      g.writeNumberField("translated", r.translated());
      g.writeNumberField("skipped_already_done", r.skipped());
      g.writeNumberField("failed", r.failed());
      g.writeNumberField("not_selected", r.notSelected());
      g.writeEndObject();
      g.writeObjectFieldStart("upstream");
      g.writeNumberField("calls", r.calls());
      g.writeNumberField("characters", r.chars());
      g.writeNumberField("characters_from_memory", r.memoryChars());
      g.writeNumberField("retries", r.retries());
      g.writeEndObject();
      g.writeObjectFieldStart("tenants");
      for (Map.Entry<String, TranslateJob.TenantTotals> e : r.tenants().entrySet()) {
        TranslateJob.TenantTotals t = e.getValue();
        g.writeObjectFieldStart(e.getKey());
        g.writeNumberField("translated", t.translated());
        g.writeNumberField("skipped_already_done", t.skipped());
        g.writeNumberField("failed", t.failed());
        g.writeNumberField("not_selected", t.notSelected());
        g.writeNumberField("upstream_calls", t.calls());
        g.writeNumberField("characters", t.chars());
        g.writeNumberField("characters_from_memory", t.memoryChars());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeArrayFieldStart("timeline_columns");
      for (String c : new String[] {"second", "translated", "skipped", "failed"}) {
        g.writeString(c);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("timeline");
      for (TranslateJob.Second sec : r.timeline()) {
        g.writeStartArray();
        g.writeNumber(sec.second());
        g.writeNumber(sec.translated());
        g.writeNumber(sec.skipped());
        g.writeNumber(sec.failed());
        g.writeEndArray();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("warnings");
      for (String w : r.warnings()) {
        g.writeString(w);
      }
      g.writeEndArray();
      g.writeObjectFieldStart("failed_by_reason");
      for (Map.Entry<String, Long> e : r.failedByReason().entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("failures");
      eachFailure(
          failures,
          row -> {
            g.writeStartObject();
            g.writeStringField("key", row.key());
            g.writeStringField("origin", row.origin());
            if (row.id() != null) {
              g.writeStringField("id", row.id());
            }
            if (row.line() > 0) {
              g.writeNumberField("line", row.line());
            }
            g.writeStringField("tenant", row.tenant());
            g.writeStringField("reason", row.reason());
            g.writeStringField("error", row.error());
            if (row.httpStatus() > 0) {
              g.writeNumberField("http_status", row.httpStatus());
            }
            g.writeNumberField("attempts", row.attempts());
            g.writeNumberField("upstream_calls", row.calls());
            g.writeEndObject();
          });
      g.writeEndArray();
      g.writeEndObject();
    }
  }
}
