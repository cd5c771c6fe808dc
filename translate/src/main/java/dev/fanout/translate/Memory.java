package dev.fanout.translate;

import dev.fanout.translate.format.Unit;
import dev.fanout.translate.store.StateStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The translation memory as the job sees it: a unit already translated, in this run or an earlier
 * one, is never sent again, even inside a new or edited document.
 *
 * <p>A unit's key is the SHA-256 of its text as sent (words, tokens numbered {@code ⟦n⟧}, line
 * breaks), the languages, and the backend's name and version: any of them changing makes a new key
 * ({@link StateStore.Memory#key}). The glossary counts through the text: its do-not-translate terms
 * are tokens in it, so adding one makes new keys for the units that hold the term and no others;
 * its forced targets are never sent (they are checked in the answer), so they change no answer and
 * no key. A translation people made, imported from a TMX file, is keyed on the languages alone and
 * wins over any backend's. A token's content (which command, which link target) is not part of the
 * key: the same sentence around different code is the same translation, restored around each
 * document's own code.
 *
 * <p>Recall looks in the units translated in this run first (a bounded cache), then in the state
 * store, unless the store had no unit when the run began and this run's cache has not yet had to
 * let one go (the store's writer lags the cache by up to a few hundred rows, so a unit let go just
 * now may be missed once and sent again). People's translations are looked for only when the store
 * holds some for these languages. Two workers that need the same unit at the same time do not both
 * send it: the first claims it, the second waits for the first's answer (and sends it itself if the
 * first failed). A worker never waits while it holds a claim of its own, so claims cannot wait on
 * each other in a circle. Learning goes to the cache here; the recorder writes each learned unit to
 * the store with the document's outcome. Thread-safe: every worker calls it.
 */
final class Memory {
  /** Units kept in the run's own cache; older ones are recalled from the store. */
  static final int CACHE = 20_000;

  private final StateStore store;
  private final java.util.function.UnaryOperator<String> keys;
  private final java.util.function.UnaryOperator<String> humanKeys;
  private final boolean storeHasHuman;
  private volatile boolean storeHasUnits;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, String> cache =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          if (size() > CACHE) {
            storeHasUnits = true; // the unit let go is (or is about to be) in the store
            return true;
          }
          return false;
        }
      };

  /**
   * @param from the source language
   * @param to the target language
   * @param backend the backend's name and version ({@link RunSettings#backend()}), part of every
   *     key
   */
  Memory(StateStore store, String from, String to, String backend) {
    this(store, from, to, backend, false);
  }

  /**
   * A memory over a store that other processes write to as well ({@code shared}: workers on many
   * machines): its units are always looked for there, since another worker may have paid for one
   * since the run began.
   */
  Memory(StateStore store, String from, String to, String backend, boolean shared) {
    this.store = store;
    this.keys = StateStore.Memory.keys(StateStore.Memory.scope(from, to, backend));
    this.humanKeys = StateStore.Memory.keys(StateStore.Memory.humanScope(from, to));
    this.storeHasUnits = shared || !store.memoryIsEmpty();
    this.storeHasHuman = storeHasUnits && store.remembers(StateStore.Memory.HUMAN, from, to);
  }

  /** {@return the unit's key in the memory, for this run's backend} */
  String key(Unit u) {
    return keys.apply(u.text());
  }

  /** {@return the translation people gave this unit (imported from TMX), or null} */
  String human(Unit u) {
    return storeHasHuman ? store.recall(humanKeys.apply(u.text())).orElse(null) : null;
  }

  private final ConcurrentHashMap<String, CompletableFuture<String>> claims =
      new ConcurrentHashMap<>();

  /**
   * The translation of the unit with this key when it is remembered, or as soon as the worker
   * translating it now has it; null when the caller must translate it, and then call {@link
   * #learned} or {@link #abandoned}.
   *
   * @throws InterruptedException if interrupted while waiting for another worker's answer
   */
  String recallOrClaim(String key) throws InterruptedException {
    return recallOrClaim(key, true);
  }

  /**
   * Loads into the cache, in one ask of the store, the remembered units among {@code keys} (a
   * document's), so that {@link #recallOrClaim(String, boolean)} need not ask for each.
   */
  void prefetch(java.util.Collection<String> keys) {
    if (!storeHasUnits) {
      return;
    }
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (String k : keys) {
      if (cached(k) == null) {
        missing.add(k);
      }
    }
    Map<String, String> found = store.recallAll(missing);
    lock.lock();
    try {
      found.forEach(cache::putIfAbsent);
    } finally {
      lock.unlock();
    }
  }

  /**
   * As {@link #recallOrClaim(String)}; {@code askStore} false when {@link #prefetch} has just asked
   * the store for this key (then only this run's cache is looked in).
   */
  String recallOrClaim(String key, boolean askStore) throws InterruptedException {
    while (true) {
      String t = askStore ? recall(key) : cached(key);
      if (t != null) {
        return t;
      }
      CompletableFuture<String> mine = new CompletableFuture<>();
      CompletableFuture<String> other = claims.putIfAbsent(key, mine);
      if (other == null) {
        // Another worker may have learned it between the look above and the claim: look again.
        t = cached(key);
        if (t == null) {
          return null;
        }
        claims.remove(key, mine);
        mine.complete(t);
        return t;
      }
      try {
        t = other.get();
      } catch (ExecutionException e) {
        t = null;
      }
      if (t != null) {
        return t;
      }
      // the other worker failed: try again, claiming it ourselves if nobody else did
    }
  }

  /** The caller could not translate the unit it claimed: a waiting worker will try. */
  void abandoned(String key) {
    CompletableFuture<String> f = claims.remove(key);
    if (f != null) {
      f.complete(null);
    }
  }

  /** {@return the remembered translation of the unit with this key, or null} */
  String recall(String key) {
    String t = cached(key);
    if (t != null) {
      return t;
    }
    return storeHasUnits ? store.recall(key).orElse(null) : null;
  }

  private String cached(String key) {
    lock.lock();
    try {
      return cache.get(key);
    } finally {
      lock.unlock();
    }
  }

  /** Remembers a translation made in this run (the recorder stores it), and ends its claim. */
  void learned(String key, String translation) {
    lock.lock();
    try {
      cache.putIfAbsent(key, translation);
    } finally {
      lock.unlock();
    }
    CompletableFuture<String> f = claims.remove(key);
    if (f != null) {
      f.complete(translation);
    }
  }
}
