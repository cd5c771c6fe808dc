package dev.fanout.translate;

import dev.fanout.translate.format.Formats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link TranslateJob} needs to know. Build one with {@link #builder(List, Path,
 * String)}.
 *
 * @param inputs files and directories to read
 * @param out the output directory
 * @param from source language (ISO 639-1)
 * @param to target language (ISO 639-1)
 * @param workers documents in flight at once (upstream calls at once)
 * @param ratePerTenant requests per second per tenant; 0 for no limit
 * @param retries retries per document after its first attempt, for transient failures
 * @param retryFailed send only the documents that failed in an earlier run
 * @param report where to write the JSON report (default {@code OUT/.fanout/report.json})
 * @param defaultKey the API key for tenants without their own, or null
 * @param tenantKeys API keys by tenant; never logged
 * @param maxServerDelay the longest {@code Retry-After} honoured; a longer one fails the document
 *     at once
 * @param initialBackoff the first retry delay when the server gives none (doubling, with jitter, up
 *     to 30 s)
 * @param maxSegment the longest segment sent in one request
 * @param frontMatterKeys the Markdown front-matter keys whose values are translated
 * @param glossary terms kept as they are, and terms with a required translation
 * @param reportPage where to write the HTML report page (a file ending in {@code .html} or {@code
 *     .htm}), or null for none; the JSON report is written all the same
 * @param outputsInStore whether translations are kept in the state store rather than written under
 *     {@code out}: so it is for workers on many machines (docs/adr/0015), whose outputs {@code
 *     fanout export} writes; such a worker may have no inputs (it takes documents from the store)
 */
public record JobOptions(
    List<Path> inputs,
    Path out,
    String from,
    String to,
    int workers,
    double ratePerTenant,
    int retries,
    boolean retryFailed,
    Path report,
    String defaultKey,
    Map<String, String> tenantKeys,
    Duration maxServerDelay,
    Duration initialBackoff,
    int maxSegment,
    Set<String> frontMatterKeys,
    Glossary glossary,
    Path reportPage,
    boolean outputsInStore) {

  /** Checks the values. */
  public JobOptions {
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(out, "out");
    from = Languages.iso1(from);
    to = Languages.iso1(to);
    tenantKeys = Map.copyOf(tenantKeys);
    frontMatterKeys = Set.copyOf(frontMatterKeys);
    Objects.requireNonNull(glossary, "glossary");
    if (inputs.isEmpty() && !outputsInStore) {
      throw new IllegalArgumentException("no inputs: give at least one file or directory");
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("--from and --to are the same language: " + from);
    }
    if (workers < 1) {
      throw new IllegalArgumentException("--workers must be at least 1, was " + workers);
    }
    if (ratePerTenant < 0 || Double.isNaN(ratePerTenant)) {
      throw new IllegalArgumentException("--rate must be 0 (no limit) or more");
    }
    if (retries < 0) {
      throw new IllegalArgumentException("--retries must not be negative");
    }
    if (maxSegment < 100) {
      throw new IllegalArgumentException("segments must allow at least 100 characters");
    }
    if (report == null) {
      report = out.resolve(".fanout").resolve("report.json");
    }
    if (reportPage != null && !isPage(reportPage)) {
      throw new IllegalArgumentException(
          "the report page must end in .html or .htm, was " + reportPage);
    }
  }

  /** Whether {@code report} names a page (ends in {@code .html} or {@code .htm}, any case). */
  static boolean isPage(Path report) {
    Path name = report.getFileName();
    String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".html") || n.endsWith(".htm");
  }

  /** The API key for {@code tenant}: its own, else the default, else null. */
  public String keyFor(String tenant) {
    String k = tenantKeys.get(tenant);
    return k != null ? k : defaultKey;
  }

  @Override
  public String toString() {
    // Keys never appear: only which tenants have one.
    return "JobOptions[inputs="
        + inputs
        + ", out="
        + out
        + ", "
        + from
        + "->"
        + to
        + ", workers="
        + workers
        + ", rate="
        + ratePerTenant
        + ", retries="
        + retries
        + ", retryFailed="
        + retryFailed
        + ", tenantsWithKeys="
        + tenantKeys.keySet()
        + ", defaultKey="
        + (defaultKey == null ? "none" : "set")
        + "]";
  }

  /** A builder with the command line's defaults. */
  public static Builder builder(List<Path> inputs, Path out, String to) {
    return new Builder(inputs, out, to);
  }

  /** Builds {@link JobOptions}; every setter returns this builder. */
  public static final class Builder {
    private final List<Path> inputs;
    private final Path out;
    private final String to;
    private String from = "en";
    private int workers = 8;
    private double rate;
    private int retries = 4;
    private boolean retryFailed;
    private Path report;
    private String defaultKey;
    private Map<String, String> tenantKeys = Map.of();
    private Duration maxServerDelay = Duration.ofSeconds(60);
    private Duration initialBackoff = Duration.ofMillis(250);
    private int maxSegment = Segmenter.DEFAULT_MAX;
    private Set<String> frontMatterKeys = Formats.DEFAULT_FRONT_MATTER_KEYS;
    private Glossary glossary = Glossary.NONE;
    private boolean outputsInStore;

    Builder(List<Path> inputs, Path out, String to) {
      this.inputs = inputs;
      this.out = out;
      this.to = to;
    }

    /** Source language (default {@code en}). */
    public Builder from(String v) {
      from = v;
      return this;
    }

    /** Documents in flight at once (default 8). */
    public Builder workers(int v) {
      workers = v;
      return this;
    }

    /** Requests per second per tenant (default 0: no limit). */
    public Builder ratePerTenant(double v) {
      rate = v;
      return this;
    }

    /** Retries after the first attempt (default 4). */
    public Builder retries(int v) {
      retries = v;
      return this;
    }

    /** Send only what failed last time. */
    public Builder retryFailed(boolean v) {
      retryFailed = v;
      return this;
    }

    /**
     * The report file: a page when its name ends in {@code .html} or {@code .htm} (the JSON report
     * then stays at its default place, so scripts reading it keep working), JSON otherwise.
     */
    public Builder report(Path v) {
      report = v;
      return this;
    }

    /** The API key of tenants without their own. */
    public Builder defaultKey(String v) {
      defaultKey = v;
      return this;
    }

    /** API keys by tenant. */
    public Builder tenantKeys(Map<String, String> v) {
      tenantKeys = v;
      return this;
    }

    /** The longest Retry-After honoured (default 60 s). */
    public Builder maxServerDelay(Duration v) {
      maxServerDelay = v;
      return this;
    }

    /** The first retry delay without a Retry-After (default 250 ms). */
    public Builder initialBackoff(Duration v) {
      initialBackoff = v;
      return this;
    }

    /** The longest segment per request (default 4,000 characters). */
    public Builder maxSegment(int v) {
      maxSegment = v;
      return this;
    }

    /**
     * The front-matter keys whose values are translated (default {@code title}, {@code
     * description}).
     */
    public Builder frontMatterKeys(Set<String> v) {
      frontMatterKeys = v;
      return this;
    }

    /** Terms kept as they are, and terms with a required translation (default none). */
    public Builder glossary(Glossary v) {
      glossary = v;
      return this;
    }

    /**
     * Keep translations in the state store, for {@code fanout export} to write, instead of writing
     * them under the output directory (workers on many machines; default false).
     */
    public Builder outputsInStore(boolean v) {
      outputsInStore = v;
      return this;
    }

    /** The options. */
    public JobOptions build() {
      boolean page = report != null && isPage(report);
      return new JobOptions(
          inputs,
          out,
          from,
          to,
          workers,
          rate,
          retries,
          retryFailed,
          page ? null : report,
          defaultKey,
          tenantKeys,
          maxServerDelay,
          initialBackoff,
          maxSegment,
          frontMatterKeys,
          glossary,
          page ? report : null,
          outputsInStore);
    }
  }
}
