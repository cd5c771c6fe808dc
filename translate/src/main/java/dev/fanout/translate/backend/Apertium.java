package dev.fanout.translate.backend;

import dev.fanout.translate.Translator;

/**
 * The two ways of running Apertium, locally ({@link ApertiumLocalTranslator}) and through its APy
 * server ({@link ApertiumApyTranslator}): the same engine, so they share one name, and a document
 * translated one way counts as done for the other (the state store compares backends by name).
 */
interface Apertium extends Translator {
  /** {@return {@code apertium}, for both} */
  @Override
  default String name() {
    return "apertium";
  }
}
