package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite state store on a real file. */
class SqliteStateStoreTest {
  @TempDir Path dir;

  private static StateStore.Row row(String key, long line, StateStore.Status status, long run) {
    StateStore.Entry e =
        new StateStore.Entry(
            key,
            "in.jsonl:" + line,
            "in.jsonl",
            key.substring(key.lastIndexOf(':') + 1),
            line,
            "acme");
    StateStore.Cost cost = new StateStore.Cost(1, 1, 10);
    return status == StateStore.Status.DONE
        ? StateStore.Row.done(e, "hash-" + key, "en>es|pseudo", cost, "text " + key, run)
        : StateStore.Row.failed(
            e,
            "hash-" + key,
            "en>es|pseudo",
            cost,
            new StateStore.Failure("rate_limited", "HTTP 429"),
            run);
  }

  /** (run, line) of a row, read straight from the SQLite file. */
  private static String runAndLine(Path file, String key) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery("SELECT run, line FROM documents WHERE key = '" + key + "'")) {
      return rs.next() ? rs.getLong(1) + "/" + rs.getLong(2) : "none";
    }
  }

  @Test
  void recordsSurviveReopeningAndLookupsSeeThem() {
    Path file = dir.resolve("sub/state.db");
    long run;
    try (StateStore s = SqliteStateStore.open(file)) {
      run = s.beginRun("test");
      assertTrue(s.lookup("j:in.jsonl:a").isEmpty());
      s.write(
          List.of(
              new StateStore.Put(row("j:in.jsonl:a", 1, StateStore.Status.DONE, run)),
              new StateStore.Put(row("j:in.jsonl:b", 2, StateStore.Status.FAILED, run)),
              new StateStore.Put(row("j:in.jsonl:d", 4, StateStore.Status.FAILED, run))));
      s.finishRun(run, Map.of("translated", 1L));
    }
    assertTrue(Files.exists(file));
    try (StateStore s = SqliteStateStore.open(file)) {
      StateStore.Prior a = s.lookup("j:in.jsonl:a").orElseThrow();
      assertEquals(StateStore.Status.DONE, a.status());
      assertEquals("hash-j:in.jsonl:a", a.inputHash());
      assertEquals("en>es|pseudo", a.settings());
      assertEquals("text j:in.jsonl:a", a.translation(), "a re-run writes it without sending it");
      StateStore.Prior b = s.lookup("j:in.jsonl:b").orElseThrow();
      assertEquals(StateStore.Status.FAILED, b.status());
      assertNull(b.translation());
      List<String> failed = new ArrayList<>();
      s.failures(run, r -> failed.add(r.reason() + ": " + r.error()));
      assertEquals(List.of("rate_limited: HTTP 429", "rate_limited: HTTP 429"), failed);
      List<Long> first = new ArrayList<>();
      s.failures(run, 1, r -> first.add(r.line()));
      assertEquals(List.of(2L), first, "the first in order, and no more");
      assertTrue(s.beginRun("again") > run, "run ids increase");
    }
  }

  @Test
  void touchMovesARowIntoTheNewRunAtItsNewLine() throws Exception {
    Path file = dir.resolve("state.db");
    try (StateStore s = SqliteStateStore.open(file)) {
      long r1 = s.beginRun("one");
      s.write(
          List.of(
              new StateStore.Put(row("j:in.jsonl:a", 1, StateStore.Status.DONE, r1)),
              new StateStore.Put(row("j:in.jsonl:b", 2, StateStore.Status.DONE, r1)),
              new StateStore.Put(row("j:in.jsonl:c", 3, StateStore.Status.FAILED, r1))));
      long r2 = s.beginRun("two");
      s.write(
          List.of(
              new StateStore.Touch("j:in.jsonl:b", 1, r2),
              new StateStore.Put(row("j:in.jsonl:a", 2, StateStore.Status.DONE, r2))));
      assertEquals(r2 + "/1", runAndLine(file, "j:in.jsonl:b"), "touched: new run, new line");
      assertEquals(r2 + "/2", runAndLine(file, "j:in.jsonl:a"), "replaced");
      assertEquals(r1 + "/3", runAndLine(file, "j:in.jsonl:c"), "not seen in run two");
      assertEquals("text j:in.jsonl:b", s.lookup("j:in.jsonl:b").orElseThrow().translation());
      List<String> failures = new ArrayList<>();
      s.failures(r1, r -> failures.add(r.id()));
      assertEquals(List.of("c"), failures);
      List<String> none = new ArrayList<>();
      s.failures(r2, r -> none.add(r.id()));
      assertEquals(List.of(), none, "run two recorded no failure");
    }
  }

  @Test
  void aFileThatIsNotAStateStoreIsAClearError() throws Exception {
    Path file = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL)");
      st.execute("INSERT INTO meta VALUES ('schema', '99')");
    }
    StoreException e = assertThrows(StoreException.class, () -> SqliteStateStore.open(file));
    assertTrue(e.getMessage().contains("schema"), e.getMessage());

    Path garbage = dir.resolve("garbage.db");
    Files.writeString(garbage, "this is not a database, just text that is long enough to matter");
    assertThrows(StoreException.class, () -> SqliteStateStore.open(garbage));
  }

  @Test
  void oneRunAtATime() {
    Path file = dir.resolve("state.db");
    try (StateStore first = SqliteStateStore.open(file)) {
      StoreException e = assertThrows(StoreException.class, () -> SqliteStateStore.open(file));
      assertTrue(
          e.getMessage().contains("another fanout run (translate or memory) is using"),
          e.getMessage());
    }
    try (StateStore again = SqliteStateStore.open(file)) {
      assertTrue(again.isEmpty(), "closing released the lock");
    }
  }

  @Test
  void theMemoryKeepsTheFirstTranslationOfAUnitAndStreamsThemAll() {
    String k1 = StateStore.Memory.key("s", "Hello ⟦1⟧.");
    String k2 = StateStore.Memory.key("s", "Bye.");
    try (StateStore s = SqliteStateStore.open(dir.resolve("state.db"))) {
      assertTrue(s.memoryIsEmpty());
      long run = s.beginRun("m");
      StateStore.Memory hello =
          new StateStore.Memory(k1, "Hello ⟦1⟧.", "Hola ⟦1⟧.", "en", "es", "apertium");
      s.write(List.of(new StateStore.Remember(hello, run)));
      s.write(
          List.of(
              new StateStore.Remember(
                  new StateStore.Memory(k1, "Hello ⟦1⟧.", "HOLA", "en", "es", "apertium"), run),
              new StateStore.Remember(
                  new StateStore.Memory(k2, "Bye.", "Adiós.", "en", "es", "apertium"), run)));
      assertEquals("Hola ⟦1⟧.", s.recall(k1).orElseThrow(), "paid for once: the first stays");
      assertTrue(s.recall(StateStore.Memory.key("s", "Other.")).isEmpty());
      assertTrue(s.recall("not a key").isEmpty());
      List<StateStore.Memory> all = new ArrayList<>();
      s.memory(all::add);
      assertEquals(List.of(k1, k2), all.stream().map(StateStore.Memory::key).toList(), "in order");
      assertEquals(hello, all.get(0));
    }
  }

  /** Units are found by their key's first 8 bytes; two keys that share them are never confused. */
  @Test
  void twoKeysSharingTheirFirstBytesAreNeverConfused() {
    String a = "0123456789abcdef" + "a".repeat(48);
    String b = "0123456789abcdef" + "b".repeat(48);
    try (StateStore s = SqliteStateStore.open(dir.resolve("state.db"))) {
      long run = s.beginRun("m");
      s.write(
          List.of(
              new StateStore.Remember(new StateStore.Memory(a, "A.", "Ah.", "en", "es", "x"), run),
              new StateStore.Remember(
                  new StateStore.Memory(b, "B.", "Beh.", "en", "es", "x"), run)));
      assertEquals("Ah.", s.recall(a).orElseThrow());
      assertEquals("Beh.", s.recall(b).orElseThrow());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> new StateStore.Memory("k1", "A.", "Ah.", "en", "es", "x"),
        "a key is the store's own");
  }

  /** A store made by schema 1 (before the memory) opens, migrated, with its rows intact. */
  @Test
  void aSchemaOneStoreIsMigrated() throws Exception {
    Path file = dir.resolve("old.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
      st.execute(
          "CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL,"
              + " finished TEXT, description TEXT, counts TEXT)");
      st.execute(
          "CREATE TABLE documents(key TEXT PRIMARY KEY, origin TEXT, output TEXT, id TEXT, line"
              + " INTEGER, tenant TEXT, input_hash TEXT, settings TEXT, status TEXT NOT NULL,"
              + " attempts INTEGER, reason TEXT, error TEXT, calls INTEGER, chars INTEGER,"
              + " translation TEXT, run INTEGER NOT NULL, updated TEXT NOT NULL)");
      st.execute("INSERT INTO meta VALUES ('schema', '1')");
      st.execute(
          "INSERT INTO documents VALUES ('f:a.md', 'in/a.md', 'a.md', 'a.md', 0, 'default',"
              + " 'h', 'en>es|pseudo', 'done', 1, NULL, NULL, 1, 5, NULL, 1, 'then')");
    }
    try (StateStore s = SqliteStateStore.open(file)) {
      StateStore.Prior a = s.lookup("f:a.md").orElseThrow();
      assertEquals(StateStore.Status.DONE, a.status());
      assertTrue(s.memoryIsEmpty());
      long run = s.beginRun("after");
      StateStore.Entry e = new StateStore.Entry("f:b.md", "in/b.md", "b.md", "b.md", 0, "t");
      s.write(
          List.of(
              new StateStore.Put(
                  StateStore.Row.failed(
                      e,
                      "h2",
                      "en>es|pseudo",
                      new StateStore.Cost(3, 3, 9),
                      new StateStore.Failure("rate_limited", "HTTP 429", 429),
                      run))));
      List<Integer> statuses = new ArrayList<>();
      s.failures(run, r -> statuses.add(r.httpStatus()));
      assertEquals(List.of(429), statuses);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT v FROM meta WHERE k = 'schema'")) {
      assertTrue(rs.next());
      assertEquals("2", rs.getString(1));
    }
  }
}
