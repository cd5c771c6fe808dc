package dev.fanout.translate;

import dev.fanout.RateLimiter;
import dev.fanout.Task;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch's task: sends one document upstream, segment by segment, under its tenant's key and
 * rate limit, checks each answer, and writes a file's output atomically (a JSON Lines record's
 * translation is returned, for the recorder to put in its output).
 *
 * <p>A retry resumes at the first segment not yet translated: a segment that came back is never
 * sent, or paid for, twice. A failure is thrown as the {@link TranslationException} the backend
 * threw, or {@code implausible_response} when an answer fails {@link Plausibility}; the batch's
 * retry policy decides what happens next.
 */
final class Sender implements Task<Sender.Work, String> {
  /** A document on its way through the batch: its plan and its progress across attempts. */
  static final class Work {
    private final Plan.Send plan;
    private List<String> pieces; // its segments, once split
    private String[] done; // translated segments, by index
    private long calls;
    private long chars;

    Work(Plan.Send plan) {
      this.plan = plan;
    }

    Plan.Send plan() {
      return plan;
    }

    long calls() {
      return calls;
    }

    long chars() {
      return chars;
    }
  }

  private final JobOptions options;
  private final Translator translator;
  private final TranslateJob.Counters counters;
  private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

  Sender(JobOptions options, Translator translator, TranslateJob.Counters counters) {
    this.options = options;
    this.translator = translator;
    this.counters = counters;
  }

  @Override
  public String apply(Work w) throws Exception {
    InputItem.Document d = w.plan.doc();
    if (w.pieces == null) {
      w.pieces = Segmenter.split(d.text(), options.maxSegment());
      w.done = new String[w.pieces.size()];
    }
    String key = options.keyFor(d.tenant());
    RateLimiter limiter = limiterFor(d.tenant());
    for (int i = 0; i < w.pieces.size(); i++) {
      if (w.done[i] == null) {
        w.done[i] = translate(w, i, d, key, limiter);
      }
    }
    String translated = String.join("", w.done);
    w.pieces = null;
    w.done = null;
    if (d.jsonl()) {
      return translated;
    }
    Path target = SafePaths.resolveInside(options.out(), d.output());
    SafePaths.writeAtomically(target, translated.getBytes(StandardCharsets.UTF_8));
    return null;
  }

  /** One segment: its surrounding whitespace stays, its body is sent (a blank one is not). */
  private String translate(Work w, int i, InputItem.Document d, String key, RateLimiter limiter)
      throws Exception {
    String piece = w.pieces.get(i);
    int a = 0;
    while (a < piece.length() && Character.isWhitespace(piece.charAt(a))) {
      a++;
    }
    int b = piece.length();
    while (b > a && Character.isWhitespace(piece.charAt(b - 1))) {
      b--;
    }
    if (a == b) {
      return piece;
    }
    String body = piece.substring(a, b);
    if (limiter != null) {
      limiter.acquire();
    }
    w.calls++;
    w.chars += body.length();
    counters.calls.increment();
    counters.chars.add(body.length());
    String answer =
        translator.translate(
            new TranslationRequest(body, options.from(), options.to(), d.format(), key));
    Optional<String> problem = Plausibility.problem(body, answer);
    if (problem.isPresent()) {
      throw TranslationException.permanent(
          "implausible_response",
          200,
          "segment " + (i + 1) + " of " + w.pieces.size() + ": " + problem.get(),
          null);
    }
    return piece.substring(0, a) + answer + piece.substring(b);
  }

  private RateLimiter limiterFor(String tenant) {
    if (options.ratePerTenant() <= 0) {
      return null;
    }
    return limiters.computeIfAbsent(tenant, t -> RateLimiter.perSecond(options.ratePerTenant()));
  }
}
