package dev.fanout.translate;

import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.store.StateStore;

/**
 * One item read from the input: a document to translate, or a problem that costs exactly that item
 * (a file that is not UTF-8, a malformed JSON line...). Both carry a stable {@link #key()} under
 * which the state store records the outcome.
 */
sealed interface InputItem permits InputItem.Document, InputItem.Problem {
  /** {@return the item as the state store names it} */
  StateStore.Entry entry();

  /** The state store's key: {@code f:<output path>} for files, {@code j:<name>:<id>} for lines. */
  default String key() {
    return entry().key();
  }

  /** Where the item came from, for people: a path, or {@code path:line}. */
  default String origin() {
    return entry().origin();
  }

  /**
   * A document to translate.
   *
   * @param entry its key, origin, output (for a file, its path relative to {@code --out}; for a
   *     JSON Lines record, the output file's name {@code <name>.jsonl}), id (the record's id, or
   *     the output path for a file), line (1-based in a JSON Lines file, 0 for files) and tenant
   *     ({@code default} when the input names none)
   * @param text the text, never empty
   * @param format how to take it apart: text, Markdown or HTML
   * @param jsonl true for a JSON Lines record
   */
  record Document(StateStore.Entry entry, String text, DocumentFormat format, boolean jsonl)
      implements InputItem {
    String output() {
      return entry.output();
    }

    String id() {
      return entry.id();
    }

    long line() {
      return entry.line();
    }

    String tenant() {
      return entry.tenant();
    }
  }

  /**
   * An input that could not become a document.
   *
   * @param entry its key (for a bad line, {@code j:<name>:#<line>}), origin (the input path, and
   *     line), the output it would have gone to (or null), and its tenant if known, else {@code
   *     default}
   * @param reason a short stable code: {@code not_utf8}, {@code empty}, {@code malformed_json},
   *     {@code missing_field}, {@code duplicate_id}, {@code unsafe_id}, {@code unsafe_path}, {@code
   *     unreadable}, {@code unsupported_file}
   * @param message what is wrong, in words
   */
  record Problem(StateStore.Entry entry, String reason, String message) implements InputItem {
    /** {@return why this input failed, as the state store records it} */
    StateStore.Failure failure() {
      return new StateStore.Failure(reason, message);
    }
  }
}
