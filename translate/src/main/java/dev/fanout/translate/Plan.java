package dev.fanout.translate;

/**
 * What a run does with one input item, decided once, by the planner, before anything is sent. Only
 * {@link Send} enters the batch; the others go straight to the {@link Recorder}.
 */
sealed interface Plan permits Plan.Send, Plan.Skip, Plan.NotSelected, Plan.Problem {

  /**
   * Send the document upstream: it was never done, its text, languages or backend changed, or it
   * failed last time.
   *
   * @param doc the document
   * @param hash SHA-256 of its text, hex
   * @param slot its place in its JSON Lines output, or null for a file
   */
  record Send(InputItem.Document doc, String hash, JsonlOutputs.Slot slot) implements Plan {}

  /**
   * Done before with the same text, languages and backend, and its output is still there: nothing
   * is sent, and a JSON Lines record's recorded translation is written to the output again.
   *
   * @param doc the document
   * @param priorTranslation the recorded translation of a JSON Lines record; null for a file
   * @param slot its place in its JSON Lines output, or null for a file
   */
  record Skip(InputItem.Document doc, String priorTranslation, JsonlOutputs.Slot slot)
      implements Plan {}

  /**
   * Not sent because of {@code --retry-failed}: it did not fail last time.
   *
   * @param doc the document
   */
  record NotSelected(InputItem.Document doc) implements Plan {}

  /**
   * The input could not become a document (not UTF-8, a malformed line...): it fails on its own.
   *
   * @param problem what is wrong
   */
  record Problem(InputItem.Problem problem) implements Plan {}
}
