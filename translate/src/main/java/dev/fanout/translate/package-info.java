/**
 * The batch translation job behind {@code fanout translate}: {@link
 * dev.fanout.translate.TranslateJob} and its {@link dev.fanout.translate.JobOptions}, the inputs it
 * reads, and the {@link dev.fanout.translate.Translator} contract every backend implements ({@link
 * dev.fanout.translate.TranslationRequest}, {@link dev.fanout.translate.TranslationException}).
 *
 * <p>This package is the domain; what it talks to lives around it, one package a side: {@code
 * translate.backend} (the engines and the choice between them) and {@code translate.store} (where
 * outcomes are recorded). Dependencies point one way: {@code backend -> translate -> store}. The
 * job's own parts (the planner, the sender, the recorder, the JSON Lines outputs, the segmenter,
 * the plausibility check) are package-private: nothing outside needs them. How one document flows
 * through them: docs/architecture.md; why: docs/adr/0006 and 0011.
 */
package dev.fanout.translate;
