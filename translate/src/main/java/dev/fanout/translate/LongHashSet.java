package dev.fanout.translate;

/**
 * A set of 64-bit fingerprints in one open-addressed array: a million entries cost 16 MB, where a
 * {@code HashSet<String>} of a million ids costs several times that. Not thread-safe.
 */
final class LongHashSet {
  private long[] slots = new long[1024];
  private boolean hasZero;
  private int size;

  /** Adds {@code v}; returns false when it was already there. */
  boolean add(long v) {
    if (v == 0) {
      boolean added = !hasZero;
      hasZero = true;
      return added;
    }
    if ((size + 1) * 2 > slots.length) {
      grow();
    }
    boolean added = insert(slots, v);
    if (added) {
      size++;
    }
    return added;
  }

  private boolean insert(long[] table, long v) {
    int mask = table.length - 1;
    int i = (int) mix(v) & mask;
    while (table[i] != 0) {
      if (table[i] == v) {
        return false;
      }
      i = (i + 1) & mask;
    }
    table[i] = v;
    return true;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    for (long v : old) {
      if (v != 0) {
        insert(slots, v);
      }
    }
  }

  private static long mix(long v) {
    v ^= v >>> 33;
    v *= 0xff51afd7ed558ccdL;
    v ^= v >>> 33;
    return v;
  }

  /** A 64-bit fingerprint of a string (FNV-1a over its chars, then mixed). */
  static long fingerprint(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h ^ s.length());
  }
}
