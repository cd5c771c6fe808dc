package dev.fanout.translate;

import dev.fanout.RateLimiter;
import dev.fanout.Task;
import dev.fanout.translate.format.Extraction;
import dev.fanout.translate.format.FormatException;
import dev.fanout.translate.format.Formats;
import dev.fanout.translate.format.Protection;
import dev.fanout.translate.format.Unit;
import dev.fanout.translate.store.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch's task: one document. The format layer takes it apart into units (paragraphs, headings,
 * cells, titles...: {@link Formats}); each unit is served from the translation memory when it was
 * translated before, else sent (split into segments when longer than {@code maxSegment}) under the
 * tenant's key and rate limit, its answer checked ({@link Plausibility}, and every inline token
 * back exactly once); then the document is put back together from its source, byte for byte outside
 * the translated words, and a file's output is written atomically (a JSON Lines record's
 * translation is returned, for the recorder to put in its output). A unit whose answer lost or
 * moved a token is sent once more cut at its tokens ({@link Unit#pieces}), with a warning naming
 * its line: the engine's doing costs that unit's characters again, never the document.
 *
 * <p>A retry resumes where the last attempt stopped: a unit, or a segment of a long unit, that came
 * back is never sent, or paid for, twice. A failure is thrown as the {@link TranslationException}
 * the backend threw, or {@code implausible_response} when an answer fails {@link Plausibility}; the
 * batch's retry policy decides what happens next.
 */
final class Sender implements Task<Sender.Work, String> {
  /** A document on its way through the batch: its plan and its progress across attempts. */
  static final class Work {
    private final Plan.Send plan;
    private Extraction extraction; // once taken apart
    private String[] answers; // by unit, as they come back
    private int partialUnit = -1; // the long unit being sent in segments, or -1
    private String[] partialDone; // its segments translated so far
    private final List<StateStore.Memory> learned = new ArrayList<>();
    private final List<String> unitWarnings = new ArrayList<>(); // units sent again in pieces
    private List<String> warnings = List.of();
    private long calls;
    private long chars;
    private long memoryChars;

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

    /** {@return characters of units served from the translation memory instead of being sent} */
    long memoryChars() {
      return memoryChars;
    }

    /** {@return the units this document paid for, to remember whatever became of it} */
    List<StateStore.Memory> learned() {
      return learned;
    }

    /** {@return what a reader should check in the output (an in-page link left as it was)} */
    List<String> warnings() {
      return warnings;
    }
  }

  private final JobOptions options;
  private final Translator translator;
  private final TranslateJob.Counters counters;
  private final Map<String, Formats> formats = new ConcurrentHashMap<>(); // by tenant
  private final Memory memory;
  private final String backend;
  private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

  Sender(JobOptions options, Translator translator, TranslateJob.Counters counters, Memory memory) {
    this.options = options;
    this.translator = translator;
    this.counters = counters;
    this.memory = memory;
    this.backend =
        translator.version().isEmpty()
            ? translator.name()
            : translator.name() + "@" + translator.version();
  }

  @Override
  public String apply(Work w) throws Exception {
    InputItem.Document d = w.plan.doc();
    if (w.extraction == null) {
      w.extraction = formatsFor(d.tenant()).extract(d.format(), d.text());
      w.answers = new String[w.extraction.units().size()];
    }
    String key = options.keyFor(d.tenant());
    RateLimiter limiter = limiterFor(d.tenant());
    List<Unit> units = w.extraction.units();
    for (int i = 0; i < units.size(); i++) {
      if (w.answers[i] == null) {
        w.answers[i] = unit(w, i, units.get(i), key, limiter);
      }
    }
    Extraction.Assembled out;
    try {
      out = w.extraction.assemble(Arrays.asList(w.answers));
    } catch (FormatException e) {
      throw TranslationException.permanent(e.reason(), 0, e.getMessage(), e); // checked per unit
    }
    List<String> warnings = new ArrayList<>(w.unitWarnings);
    warnings.addAll(out.warnings());
    for (int i = 0; i < units.size(); i++) {
      for (String lost :
          options.glossary().missing(d.tenant(), units.get(i).text(), w.answers[i])) {
        warnings.add("line " + units.get(i).line() + ": " + lost);
      }
    }
    w.warnings = List.copyOf(warnings);
    w.extraction = null;
    w.answers = null;
    if (d.jsonl()) {
      return out.text();
    }
    Path target = SafePaths.resolveInside(options.out(), d.output());
    SafePaths.writeAtomically(target, out.text().getBytes(StandardCharsets.UTF_8));
    return null;
  }

  /** One unit: from the memory, or sent and checked, then remembered. */
  private String unit(Work w, int index, Unit u, String key, RateLimiter limiter) throws Exception {
    String human = memory.human(u);
    if (human != null) {
      w.memoryChars += u.text().length();
      counters.memoryChars.add(u.text().length());
      return human;
    }
    String k = memory.key(u);
    String remembered = memory.recallOrClaim(k);
    if (remembered != null) {
      w.memoryChars += u.text().length();
      counters.memoryChars.add(u.text().length());
      return remembered;
    }
    try {
      String answer;
      try {
        answer = u.check(send(w, index, u, key, limiter));
      } catch (FormatException e) {
        answer = inPieces(w, u, key, limiter, e);
      }
      memory.learned(k, answer);
      w.learned.add(
          new StateStore.Memory(k, u.text(), answer, options.from(), options.to(), backend));
      return answer;
    } catch (Throwable t) {
      memory.abandoned(k);
      throw t;
    }
  }

  /**
   * A unit whose answer lost, repeated or moved a token, sent again cut at its tokens (see {@link
   * Unit#pieces}): the tokens cannot be lost, the document is not failed for the engine's doing,
   * and a warning says which line to read. Costs the unit's characters a second time.
   */
  private String inPieces(Work w, Unit u, String key, RateLimiter limiter, FormatException why)
      throws Exception {
    List<String> pieces = u.pieces();
    List<String> answers = new ArrayList<>(pieces.size());
    for (String p : pieces) {
      answers.add(
          p.codePoints().anyMatch(Character::isLetter)
              ? translate(w, p, key, limiter, "a piece of the unit at line " + u.line() + ": ")
              : p);
    }
    String answer;
    try {
      answer = u.check(u.joinPieces(answers));
    } catch (FormatException e) {
      e.addSuppressed(why);
      throw TranslationException.permanent(e.reason(), 0, e.getMessage(), e); // cannot happen
    }
    w.unitWarnings.add(
        "line "
            + u.line()
            + ": the backend did not keep this unit's inline code, links or markup in place ("
            + why.reason()
            + "), so it was translated in pieces between them: read it");
    return answer;
  }

  /** A unit's text sent as it is, or in segments when long; the answer joined. */
  private String send(Work w, int index, Unit u, String key, RateLimiter limiter) throws Exception {
    if (u.text().length() <= options.maxSegment()) {
      return translate(w, u.text(), key, limiter, "");
    }
    if (w.partialUnit != index) {
      w.partialUnit = index;
      w.partialDone = null;
    }
    List<String> pieces = Segmenter.split(u.text(), options.maxSegment());
    if (w.partialDone == null || w.partialDone.length != pieces.size()) {
      w.partialDone = new String[pieces.size()];
    }
    for (int i = 0; i < pieces.size(); i++) {
      if (w.partialDone[i] == null) {
        w.partialDone[i] =
            translate(
                w,
                pieces.get(i),
                key,
                limiter,
                "segment "
                    + (i + 1)
                    + " of "
                    + pieces.size()
                    + " of the unit at line "
                    + u.line()
                    + ": ");
      }
    }
    String joined = String.join("", w.partialDone);
    w.partialUnit = -1;
    w.partialDone = null;
    return joined;
  }

  /** One request: its surrounding whitespace stays, its body is sent (a blank one is not). */
  private String translate(Work w, String piece, String key, RateLimiter limiter, String where)
      throws Exception {
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
            new TranslationRequest(
                body, options.from(), options.to(), TranslationRequest.Format.TEXT, key));
    Optional<String> problem = Plausibility.problem(body, answer);
    if (problem.isPresent()) {
      throw TranslationException.permanent(
          "implausible_response", 200, where + problem.get(), null);
    }
    return piece.substring(0, a) + answer + piece.substring(b);
  }

  /** The format layer for a tenant's documents: its do-not-translate terms are protected. */
  private Formats formatsFor(String tenant) {
    return formats.computeIfAbsent(
        tenant,
        t ->
            new Formats(
                options.frontMatterKeys(),
                Protection.TEXT.withTerms(options.glossary().doNotTranslate(t))));
  }

  private RateLimiter limiterFor(String tenant) {
    if (options.ratePerTenant() <= 0) {
      return null;
    }
    return limiters.computeIfAbsent(tenant, t -> RateLimiter.perSecond(options.ratePerTenant()));
  }
}
