/**
 * Where a run records every document's outcome, so that a re-run sends only what is not done: the
 * {@link dev.fanout.translate.store.StateStore} contract, its SQLite implementation for one machine
 * ({@link dev.fanout.translate.store.SqliteStateStore}), and {@link
 * dev.fanout.translate.store.StateStores}, which opens what {@code --state} names and refuses, with
 * a message, what this build cannot open. A failure of the store is a {@link
 * dev.fanout.translate.store.StoreException}, fatal for a run. {@link
 * dev.fanout.translate.store.Tmx} moves the translation memory to and from TMX files. This package
 * knows nothing of the job: it stores rows.
 */
package dev.fanout.translate.store;
