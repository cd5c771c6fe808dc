/**
 * The translation engines a run can use, each a {@link dev.fanout.translate.Translator}: Apertium
 * run locally as long-lived pipelines ({@link
 * dev.fanout.translate.backend.ApertiumLocalTranslator}) or through its APy server ({@link
 * dev.fanout.translate.backend.ApertiumApyTranslator}), any LibreTranslate-compatible API ({@link
 * dev.fanout.translate.backend.LibreTranslateTranslator}), and a deterministic pseudo-localiser
 * ({@link dev.fanout.translate.backend.PseudoTranslator}). {@link
 * dev.fanout.translate.backend.Backends} picks one and says why. Every engine maps its failures to
 * {@link dev.fanout.translate.TranslationException}s that say whether a retry may help, and answers
 * an interrupt by cancelling its request or destroying its processes.
 */
package dev.fanout.translate.backend;
