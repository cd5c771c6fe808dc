package dev.fanout.translate;

import dev.fanout.RateLimiter;
import dev.fanout.Task;
import dev.fanout.translate.format.Extraction;
import dev.fanout.translate.format.FormatException;
import dev.fanout.translate.format.Formats;
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
import java.util.function.Function;
import java.util.function.Supplier;

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
 * <p>An answer from the memory is checked like a backend's; one that does not fit the unit (the
 * same words around tokens paired otherwise elsewhere) counts as a miss, and the unit is sent.
 *
 * <p>A retry resumes where the last attempt stopped: a unit, or a segment or piece of one, that
 * came back is never sent, or paid for, twice. A failure is thrown as the {@link
 * TranslationException} the backend threw, or {@code implausible_response} when an answer fails
 * {@link Plausibility}; the batch's retry policy decides what happens next.
 */
final class Sender implements Task<Sender.Work, String> {
  /** A document on its way through the batch: its plan and its progress across attempts. */
  static final class Work {
    private final Plan.Send plan;
    private Extraction extraction; // once taken apart
    private String[] answers; // by unit, as they come back
    private String[] memoryKeys; // by unit, once the memory was asked for the whole document
    private int partialUnit = -1; // the unit whose requests are under way, or -1
    private boolean partialInPieces; // ... sent whole (in segments) or in pieces
    private String[][] partialDone; // its answers so far: [part][segment]
    private int piecesUnit = -1; // the unit that must go in pieces (its whole answer was refused)
    private String piecesWhy; // why: the format layer's reason
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
  private final RunSettings settings;
  private final Memory memory;
  private final Map<String, Permits> limiters = new ConcurrentHashMap<>();
  private final Function<String, Permits> newLimiter;

  /**
   * Where a request waits for its tenant's rate: a {@link RateLimiter}, or one shared by machines.
   */
  @FunctionalInterface
  interface Permits {
    /** Waits for one request's permit. */
    void acquire() throws InterruptedException;
  }

  Sender(
      JobOptions options,
      Translator translator,
      RunSettings settings,
      TranslateJob.Counters counters,
      Memory memory) {
    this(options, translator, settings, counters, memory, null);
  }

  /**
   * A sender whose tenants' rates come from {@code limiters} (one per tenant, asked once), or, when
   * null, from a {@link RateLimiter} of {@link JobOptions#ratePerTenant()} each.
   */
  Sender(
      JobOptions options,
      Translator translator,
      RunSettings settings,
      TranslateJob.Counters counters,
      Memory memory,
      Function<String, Permits> limiters) {
    this.options = options;
    this.translator = translator;
    this.settings = settings;
    this.counters = counters;
    this.memory = memory;
    this.newLimiter =
        limiters != null ? limiters : t -> RateLimiter.perSecond(options.ratePerTenant())::acquire;
  }

  @Override
  public String apply(Work w) throws Exception {
    InputItem.Document d = w.plan.doc();
    if (w.extraction == null) {
      w.extraction = settings.formats(d.tenant()).extract(d.format(), d.text());
      w.answers = new String[w.extraction.units().size()];
    }
    String key = options.keyFor(d.tenant());
    Permits limiter = limiterFor(d.tenant());
    List<Unit> units = w.extraction.units();
    if (w.memoryKeys == null) {
      // one ask of the store for the whole document, rather than one per unit
      w.memoryKeys = new String[units.size()];
      for (int i = 0; i < units.size(); i++) {
        w.memoryKeys[i] = memory.key(units.get(i));
      }
      memory.prefetch(Arrays.asList(w.memoryKeys));
    }
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
    w.memoryKeys = null;
    if (d.jsonl() || options.outputsInStore()) {
      return out.text();
    }
    Path target = SafePaths.resolveInside(options.out(), d.output());
    SafePaths.writeAtomically(target, out.text().getBytes(StandardCharsets.UTF_8));
    return null;
  }

  /** One unit: from the memory, or sent and checked, then remembered. */
  private String unit(Work w, int index, Unit u, String key, Permits limiter) throws Exception {
    String human = fits(u, memory.human(u));
    if (human != null) {
      return fromMemory(w, u, human);
    }
    String k = w.memoryKeys[index];
    String remembered = memory.recallOrClaim(k, false);
    boolean claimed = remembered == null;
    if (!claimed) {
      String fit = fits(u, remembered);
      if (fit != null) {
        return fromMemory(w, u, fit);
      }
      // remembered for the same words around other pairs of tokens: send it (unclaimed)
    }
    try {
      String answer = null;
      if (w.piecesUnit != index) {
        try {
          answer = u.check(requests(w, index, u, false, key, limiter));
        } catch (FormatException e) {
          w.piecesUnit = index;
          w.piecesWhy = e.reason();
        }
      }
      if (w.piecesUnit == index) {
        try {
          answer = u.check(requests(w, index, u, true, key, limiter));
        } catch (FormatException e) {
          throw TranslationException.permanent(e.reason(), 0, e.getMessage(), e); // cannot happen
        }
        w.unitWarnings.add(
            "line "
                + u.line()
                + ": the backend did not keep this unit's inline code, links or markup in place ("
                + w.piecesWhy
                + "), so it was translated in pieces between them: read it");
        w.piecesUnit = -1;
      }
      memory.learned(k, answer);
      w.learned.add(
          new StateStore.Memory(
              k, u.text(), answer, options.from(), options.to(), settings.backend()));
      return answer;
    } catch (Throwable t) {
      if (claimed) {
        memory.abandoned(k);
      }
      throw t;
    }
  }

  /** {@return a remembered answer as it will be put back, or null if it does not fit the unit} */
  private static String fits(Unit u, String remembered) {
    if (remembered == null) {
      return null;
    }
    try {
      return u.check(remembered);
    } catch (FormatException e) {
      return null;
    }
  }

  private String fromMemory(Work w, Unit u, String answer) {
    w.memoryChars += u.text().length();
    counters.memoryChars.add(u.text().length());
    return answer;
  }

  /**
   * Sends a unit's text, whole or cut at its tokens ({@link Unit#pieces}, when its whole answer did
   * not keep them: the tokens cannot be lost then), each part in segments of at most {@code
   * maxSegment} characters; the answers joined. Progress is kept in {@code w}, so a retry sends
   * only what did not come back.
   */
  private String requests(Work w, int index, Unit u, boolean inPieces, String key, Permits limiter)
      throws Exception {
    if (w.partialUnit != index || w.partialInPieces != inPieces) {
      w.partialUnit = index;
      w.partialInPieces = inPieces;
      w.partialDone = null;
    }
    List<String> parts = inPieces ? u.pieces() : List.of(u.text());
    if (w.partialDone == null) {
      w.partialDone = new String[parts.size()][];
    }
    List<String> answers = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      if (inPieces && part.codePoints().noneMatch(Character::isLetter)) {
        answers.add(part); // punctuation between tokens: nothing to translate
        continue;
      }
      List<String> segments = segments(part, options.maxSegment());
      if (w.partialDone[i] == null) {
        w.partialDone[i] = new String[segments.size()];
      }
      String[] done = w.partialDone[i];
      for (int j = 0; j < segments.size(); j++) {
        if (done[j] == null) {
          int part1 = i + 1;
          int segment1 = j + 1;
          done[j] =
              translate(
                  w,
                  segments.get(j),
                  key,
                  limiter,
                  () -> where(u, inPieces, part1, parts.size(), segment1, segments.size()));
        }
      }
      answers.add(String.join("", done));
    }
    w.partialUnit = -1;
    w.partialDone = null;
    return inPieces ? u.joinPieces(answers) : answers.get(0);
  }

  /** Where a request stands in its unit, for a message: counted only when one is needed. */
  private static String where(
      Unit u, boolean inPieces, int part, int parts, int segment, int segments) {
    StringBuilder b = new StringBuilder();
    if (segments > 1) {
      b.append("segment ").append(segment).append(" of ").append(segments).append(" of ");
    }
    if (inPieces) {
      b.append("piece ").append(part).append(" of ").append(parts).append(" of ");
    }
    return b.append("the unit at line ").append(u.line()).append(": ").toString();
  }

  /** A text as requests: itself, or its segments when longer than {@code maxSegment}. */
  static List<String> segments(String text, int maxSegment) {
    return text.length() <= maxSegment ? List.of(text) : Segmenter.split(text, maxSegment);
  }

  /** {@return {start, end} of what is sent of a request: it without its surrounding whitespace} */
  static int[] body(String request) {
    int a = 0;
    while (a < request.length() && Character.isWhitespace(request.charAt(a))) {
      a++;
    }
    int b = request.length();
    while (b > a && Character.isWhitespace(request.charAt(b - 1))) {
      b--;
    }
    return new int[] {a, b};
  }

  /** One request: its surrounding whitespace stays, its body is sent (a blank one is not). */
  private String translate(
      Work w, String piece, String key, Permits limiter, Supplier<String> where) throws Exception {
    int[] body = body(piece);
    int a = body[0];
    int b = body[1];
    if (a == b) {
      return piece;
    }
    String text = piece.substring(a, b);
    if (limiter != null) {
      limiter.acquire();
    }
    w.calls++;
    w.chars += text.length();
    counters.calls.increment();
    counters.chars.add(text.length());
    String answer =
        translator.translate(
            new TranslationRequest(
                text, options.from(), options.to(), TranslationRequest.Format.TEXT, key));
    Optional<String> problem = Plausibility.problem(text, answer);
    if (problem.isPresent()) {
      throw TranslationException.permanent(
          "implausible_response", 200, where.get() + problem.get(), null);
    }
    return piece.substring(0, a) + answer + piece.substring(b);
  }

  private Permits limiterFor(String tenant) {
    if (options.ratePerTenant() <= 0) {
      return null;
    }
    return limiters.computeIfAbsent(tenant, newLimiter);
  }
}
