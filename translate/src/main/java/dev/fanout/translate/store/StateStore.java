package dev.fanout.translate.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where every document's outcome is recorded as it finishes, so that a re-run (after a failure, a
 * {@code kill -9} or a change to the inputs) sends only what is not already done. Open one with
 * {@link StateStores#open(String, java.nio.file.Path)}; {@link SqliteStateStore} is the one
 * implementation today, and the interface stays small so that other databases can follow
 * (docs/adr/0011).
 *
 * <p>Failure: every method throws {@link StoreException} when the store itself fails (a full disk,
 * a corrupt file, a lost connection); the job treats that as fatal, because outcomes it cannot
 * record would be paid for again next time.
 *
 * <p>Threads: during a run, {@link #lookup} is called by the one thread that plans it, {@link
 * #write} by the one thread that writes outcomes, and {@link #recall} by any of the workers at once
 * (the translation memory); the others are called before or after the run. Implementations must
 * allow exactly that: a writer, a planner and concurrent recalls.
 */
public interface StateStore extends AutoCloseable {
  /** Status of a recorded document. */
  enum Status {
    /** Translated; its output was written. */
    DONE,
    /** Not translated; {@link Row#reason()} says why. */
    FAILED
  }

  /**
   * Which document a row is about, and where it came from.
   *
   * @param key the document's stable key: {@code f:<output path>} for files, {@code j:<name>:<id>}
   *     for JSON Lines records
   * @param origin where it came from, for people: a path, or {@code path:line}
   * @param output its output path, or its JSON Lines output file's name; null when unknown
   * @param id its id (JSON Lines), or null
   * @param line its line in a JSON Lines file (1-based), 0 for files
   * @param tenant its tenant
   */
  record Entry(String key, String origin, String output, String id, long line, String tenant) {
    /** Checks the components. */
    public Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(tenant, "tenant");
    }
  }

  /**
   * What a document cost in the run that recorded it.
   *
   * @param attempts attempts made (0 when nothing was sent)
   * @param calls upstream requests made (a long document is several segments)
   * @param chars characters sent upstream
   */
  record Cost(int attempts, long calls, long chars) {
    /** Nothing sent. */
    public static final Cost NONE = new Cost(0, 0, 0);
  }

  /**
   * What the store knows about one document. Build one with {@link #done}, {@link #failed} or
   * {@link #problem}.
   *
   * @param key the document's key ({@link Entry#key()})
   * @param origin where it came from
   * @param output its output path or JSON Lines file name
   * @param id its id
   * @param line its line in a JSON Lines file, 0 for files
   * @param tenant its tenant
   * @param inputHash SHA-256 of its text, hex; empty for input problems
   * @param settings languages and backend it was translated with, e.g. {@code en>es|pseudo}
   * @param status done or failed
   * @param attempts attempts made in the run that recorded it
   * @param reason for a failure, its short code; null when done
   * @param error for a failure, the message; null when done
   * @param httpStatus for a failure, the HTTP status of the upstream's last answer; 0 when there
   *     was none (a refused connection, a timeout, a local engine, an input problem)
   * @param calls upstream calls made for it in that run
   * @param chars characters sent upstream for it in that run
   * @param translation the translated text of a JSON Lines record (files keep theirs on disk), null
   *     otherwise
   * @param run the id of the last run that saw it
   */
  record Row(
      String key,
      String origin,
      String output,
      String id,
      long line,
      String tenant,
      String inputHash,
      String settings,
      Status status,
      int attempts,
      String reason,
      String error,
      int httpStatus,
      long calls,
      long chars,
      String translation,
      long run) {

    /**
     * A document translated in run {@code run}.
     *
     * @param translation the text, for a JSON Lines record; null for a file (its output is on disk)
     */
    public static Row done(
        Entry e, String inputHash, String settings, Cost cost, String translation, long run) {
      return of(e, inputHash, settings, Status.DONE, cost, null, translation, run);
    }

    /** A document that was sent (or about to be) and failed for {@code reason}. */
    public static Row failed(
        Entry e, String inputHash, String settings, Cost cost, Failure failure, long run) {
      return of(e, inputHash, settings, Status.FAILED, cost, failure, null, run);
    }

    /** An input that never became a document (not UTF-8, a malformed line...): nothing was sent. */
    public static Row problem(Entry e, String settings, Failure failure, long run) {
      return failed(e, "", settings, Cost.NONE, failure, run);
    }

    private static Row of(
        Entry e,
        String inputHash,
        String settings,
        Status status,
        Cost cost,
        Failure failure,
        String translation,
        long run) {
      return new Row(
          e.key(),
          e.origin(),
          e.output(),
          e.id(),
          e.line(),
          e.tenant(),
          inputHash,
          settings,
          status,
          cost.attempts(),
          failure == null ? null : failure.reason(),
          failure == null ? null : failure.message(),
          failure == null ? 0 : failure.httpStatus(),
          cost.calls(),
          cost.chars(),
          translation,
          run);
    }
  }

  /**
   * Why a document failed.
   *
   * @param reason a short stable code ({@code rate_limited}, {@code malformed_json}...)
   * @param message what happened, in words; never an API key
   * @param httpStatus the upstream's last HTTP status, or 0 when there was none
   */
  record Failure(String reason, String message, int httpStatus) {
    /** Checks the components. */
    public Failure {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }

    /** A failure with no HTTP answer behind it. */
    public Failure(String reason, String message) {
      this(reason, message, 0);
    }
  }

  /**
   * A change to apply: a new outcome, "seen again in this run, unchanged", or a unit to remember.
   */
  sealed interface Change permits Put, Touch, Remember {}

  /**
   * Record an outcome (replacing what was there).
   *
   * @param row the outcome
   */
  record Put(Row row) implements Change {}

  /**
   * Mark a document as part of run {@code run} without changing its outcome (it was skipped as
   * already done).
   *
   * @param key the document
   * @param line its line now (lines move when a file is edited)
   * @param run the current run
   */
  record Touch(String key, long line, long run) implements Change {}

  /**
   * One translated unit of the translation memory: a paragraph, a heading, a table cell... as the
   * format layer sends it, inline pieces as numbered tokens.
   *
   * @param key what identifies it: {@link #key}'s SHA-256 of the unit's text with its tokens and
   *     its scope (the languages, the backend and its version), 64 hex digits
   * @param source the text sent
   * @param target the backend's answer, tokens included
   * @param sourceLang its language, ISO 639-1
   * @param targetLang the translation's language, ISO 639-1
   * @param backend the backend and version that translated it
   */
  record Memory(
      String key,
      String source,
      String target,
      String sourceLang,
      String targetLang,
      String backend) {
    /** Checks the components. */
    public Memory {
      Objects.requireNonNull(key, "key");
      if (!isKey(key)) {
        throw new IllegalArgumentException("not a memory key (64 hex digits): " + key);
      }
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(target, "target");
    }

    private static boolean isKey(String key) {
      if (key.length() != 64) {
        return false;
      }
      for (int i = 0; i < 64; i++) {
        char c = key.charAt(i);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
          return false;
        }
      }
      return true;
    }

    /** The backend name of units people translated (imported from a TMX file). */
    public static final String HUMAN = "human";

    /**
     * A unit's key: the SHA-256, in hex, of its scope (what besides its text decides its
     * translation), a NUL, and its text as sent. A token ({@code ⟦n⟧}) glued to a letter or digit
     * counts as if a space stood between them, as the format layer sends it: a unit a CAT tool
     * wrote as {@code Click ⟦1⟧Save⟦2⟧} is the unit a run sends as {@code Click ⟦1⟧ Save ⟦2⟧}.
     */
    public static String key(String scope, String text) {
      return keys(scope).apply(text);
    }

    /**
     * {@link #key} for many texts of one scope: the scope is hashed once, and each call goes on
     * from a copy of that state. Thread-safe.
     */
    public static java.util.function.UnaryOperator<String> keys(String scope) {
      java.security.MessageDigest primed;
      try {
        primed = java.security.MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new AssertionError("SHA-256 is always present", e);
      }
      primed.update((scope + "\u0000").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return text -> {
        java.security.MessageDigest md;
        try {
          md = (java.security.MessageDigest) primed.clone();
        } catch (CloneNotSupportedException e) {
          throw new AssertionError("the JDK's SHA-256 can be cloned", e);
        }
        return java.util.HexFormat.of()
            .formatHex(md.digest(spaced(text).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      };
    }

    /** {@code text} with a space between each token and a letter or digit glued to it. */
    static String spaced(String text) {
      StringBuilder out = null;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        boolean glued =
            (c == '\u27E6' && i > 0 && Character.isLetterOrDigit(text.charAt(i - 1)))
                || (i > 0 && text.charAt(i - 1) == '\u27E7' && Character.isLetterOrDigit(c));
        if (glued && out == null) {
          out = new StringBuilder(text.length() + 8).append(text, 0, i);
        }
        if (glued) {
          out.append(' ');
        }
        if (out != null) {
          out.append(c);
        }
      }
      return out == null ? text : out.toString();
    }

    /**
     * The scope of a machine translation: the languages, the backend and its version. (The trailing
     * {@code |} stands where a glossary once was meant to go: kept, so that keys stay the same.)
     */
    public static String scope(String from, String to, String backend) {
      return "v1|" + from + ">" + to + "|" + backend + "|";
    }

    /**
     * The scope of a translation people made (imported from a TMX file): the languages only. A run
     * prefers it to any backend's.
     */
    public static String humanScope(String from, String to) {
      return scope(from, to, HUMAN);
    }
  }

  /**
   * Remember a translated unit (the first translation of a key is kept: a unit is paid for once).
   *
   * @param unit the unit
   * @param run the run that translated (or imported) it
   */
  record Remember(Memory unit, long run) implements Change {}

  /**
   * The remembered translation of a unit.
   *
   * @param key the unit's key ({@link Memory#key()})
   * @return its translation, or empty when it was never translated
   */
  Optional<String> recall(String key);

  /**
   * The remembered translations of many units at once (a document's): those remembered, by key.
   * Stores across a network answer in one round trip; the default asks {@link #recall} for each.
   *
   * @param keys the units' keys ({@link Memory#key()})
   * @return the translations found, by key
   */
  default Map<String, String> recallAll(java.util.Collection<String> keys) {
    Map<String, String> found = new java.util.HashMap<>();
    for (String key : keys) {
      recall(key).ifPresent(t -> found.put(key, t));
    }
    return found;
  }

  /**
   * Whether the memory holds a unit from this backend between these languages (a run looks for
   * people's translations only when there are some).
   *
   * @param backend as in {@link Memory#backend()}, e.g. {@link Memory#HUMAN}
   * @param from the source language
   * @param to the target language
   * @return true if it holds at least one
   */
  boolean remembers(String backend, String from, String to);

  /** {@return whether the memory holds no unit (a first run needs no recall)} */
  boolean memoryIsEmpty();

  /** Streams every remembered unit, oldest first (for an export). */
  void memory(Consumer<Memory> each);

  /**
   * Starts a run and returns its id (increasing).
   *
   * @param description the command's settings, for people reading the store (no API keys)
   */
  long beginRun(String description);

  /** Records that run {@code run} ended, with its counts. */
  void finishRun(long run, Map<String, Long> counts);

  /**
   * What a re-run needs to know about a recorded document.
   *
   * @param status its last outcome
   * @param inputHash SHA-256 of the text it had then
   * @param settings the languages and backend it was translated with
   * @param translation its translation, for a JSON Lines record that is done (a re-run writes it to
   *     the output again without sending it); null otherwise
   */
  record Prior(Status status, String inputHash, String settings, String translation) {}

  /**
   * What the store knows about {@code key}: called once per input document, so kept to what a
   * re-run decides on.
   *
   * @return the prior outcome, or empty for a document never seen
   */
  Optional<Prior> lookup(String key);

  /** True when no document was ever recorded (a first run needs no lookups). */
  boolean isEmpty();

  /** Applies {@code changes} together, atomically: all of them or none. */
  void write(List<Change> changes);

  /**
   * Streams every failure recorded in run {@code run}, ordered by output and line, for the run's
   * report: a run with a million failures reports them in a small heap.
   */
  default void failures(long run, Consumer<Row> each) {
    failures(run, Long.MAX_VALUE, each);
  }

  /**
   * Streams the first {@code limit} failures recorded in run {@code run}, in the order of {@link
   * #failures(long, Consumer)} (the report page lists no more than a limit).
   */
  void failures(long run, long limit, Consumer<Row> each);

  /** Closes the store and releases its hold on it (another run may then open it). */
  @Override
  void close();
}
