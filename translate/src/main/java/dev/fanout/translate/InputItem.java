package dev.fanout.translate;

import dev.fanout.translate.store.StateStore;

/**
 * One item read from the input: a document to translate, or a problem that costs exactly that item
 * (a file that is not UTF-8, a malformed JSON line...). Both carry a stable {@link #key()} under
 * which the state store records the outcome.
 */
sealed interface InputItem permits InputItem.Document, InputItem.Problem {
  /** The state store's key: {@code f:<output path>} for files, {@code j:<name>:<id>} for lines. */
  String key();

  /** Where the item came from, for people: a path, or {@code path:line}. */
  String origin();

  /** {@return the item as the state store names it} */
  StateStore.Entry entry();

  /**
   * A document to translate.
   *
   * @param key the state key
   * @param origin the input path (and line, for JSON Lines)
   * @param output for a file, its output path relative to {@code --out}; for a JSON Lines record,
   *     the output file's name ({@code <name>.jsonl})
   * @param id the record's id (JSON Lines), or the output path (files)
   * @param line the line number in a JSON Lines file (1-based), 0 for files
   * @param tenant the tenant, {@code default} when the input names none
   * @param text the text, never empty
   * @param format text or HTML
   * @param jsonl true for a JSON Lines record
   */
  record Document(
      String key,
      String origin,
      String output,
      String id,
      long line,
      String tenant,
      String text,
      TranslationRequest.Format format,
      boolean jsonl)
      implements InputItem {
    @Override
    public StateStore.Entry entry() {
      return new StateStore.Entry(key, origin, output, id, line, tenant);
    }
  }

  /**
   * An input that could not become a document.
   *
   * @param key the state key (for a bad line, {@code j:<name>:#<line>})
   * @param origin the input path (and line)
   * @param output the output the item would have gone to, or null
   * @param tenant the tenant if known, else {@code default}
   * @param reason a short stable code: {@code not_utf8}, {@code empty}, {@code malformed_json},
   *     {@code missing_field}, {@code duplicate_id}, {@code unsafe_id}, {@code unsafe_path}, {@code
   *     unreadable}, {@code unsupported_file}
   * @param message what is wrong, in words
   */
  record Problem(
      String key, String origin, String output, String tenant, String reason, String message)
      implements InputItem {
    @Override
    public StateStore.Entry entry() {
      return new StateStore.Entry(key, origin, output, null, 0, tenant);
    }

    /** {@return why this input failed, as the state store records it} */
    StateStore.Failure failure() {
      return new StateStore.Failure(reason, message);
    }
  }
}
