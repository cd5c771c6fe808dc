package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    return new StateStore.Row(
        key,
        "in.jsonl:" + line,
        "in.jsonl",
        key.substring(key.lastIndexOf(':') + 1),
        line,
        "acme",
        "hash-" + key,
        "en>es|pseudo",
        status,
        1,
        status == StateStore.Status.FAILED ? "rate_limited" : null,
        status == StateStore.Status.FAILED ? "HTTP 429" : null,
        1,
        10,
        status == StateStore.Status.DONE ? "text " + key : null,
        run);
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
              new StateStore.Put(row("j:in.jsonl:b", 2, StateStore.Status.FAILED, run))));
      s.finishRun(run, Map.of("translated", 1L));
    }
    assertTrue(Files.exists(file));
    try (StateStore s = SqliteStateStore.open(file)) {
      StateStore.Prior a = s.lookup("j:in.jsonl:a").orElseThrow();
      assertEquals(StateStore.Status.DONE, a.status());
      assertEquals("hash-j:in.jsonl:a", a.inputHash());
      assertEquals("en>es|pseudo", a.settings());
      StateStore.Prior b = s.lookup("j:in.jsonl:b").orElseThrow();
      assertEquals(StateStore.Status.FAILED, b.status());
      List<String> failed = new ArrayList<>();
      s.failures(run, r -> failed.add(r.reason() + ": " + r.error()));
      assertEquals(List.of("rate_limited: HTTP 429"), failed);
      assertTrue(s.beginRun("again") > run, "run ids increase");
    }
  }

  @Test
  void touchMovesARowIntoTheNewRunInItsNewLineOrder() {
    try (StateStore s = SqliteStateStore.open(dir.resolve("state.db"))) {
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
      List<String> ids = new ArrayList<>();
      s.translations("in.jsonl", r2, r -> ids.add(r.id()));
      assertEquals(List.of("b", "a"), ids, "rows of this run, in their new line order");
      List<String> failures = new ArrayList<>();
      s.failures(r1, r -> failures.add(r.id()));
      assertEquals(List.of("c"), failures);
      List<String> none = new ArrayList<>();
      s.failures(r2, r -> none.add(r.id()));
      assertEquals(List.of(), none, "run two recorded no failure");
      assertEquals(List.of("in.jsonl"), s.jsonlOutputs(r2));
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
    SqliteStateStore.StoreException e =
        assertThrows(SqliteStateStore.StoreException.class, () -> SqliteStateStore.open(file));
    assertTrue(e.getMessage().contains("schema"), e.getMessage());

    Path garbage = dir.resolve("garbage.db");
    Files.writeString(garbage, "this is not a database, just text that is long enough to matter");
    assertThrows(SqliteStateStore.StoreException.class, () -> SqliteStateStore.open(garbage));
  }
}
