package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.TestPostgres;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PostgreSQL state store, on a real PostgreSQL: the same contract as the SQLite one. */
class PostgresStateStoreTest {
  private static StateStore.Row row(String key, String output, long line, boolean done, long run) {
    StateStore.Entry e = new StateStore.Entry(key, output + ":" + line, output, key, line, "acme");
    StateStore.Cost cost = new StateStore.Cost(1, 2, 10);
    return done
        ? StateStore.Row.done(e, "hash-" + key, "en>es|pseudo", cost, "text " + key, run)
        : StateStore.Row.failed(
            e,
            "hash-" + key,
            "en>es|pseudo",
            cost,
            new StateStore.Failure("rate_limited", "HTTP 429", 429),
            run);
  }

  @Test
  void recordsLooksUpAndTouches() {
    try (PostgresStateStore store = PostgresStateStore.open(TestPostgres.database())) {
      assertTrue(store.isEmpty());
      long run = store.beginRun("test");
      store.write(
          List.of(
              new StateStore.Put(row("a", "in.jsonl", 1, true, run)),
              new StateStore.Put(row("b", "in.jsonl", 2, false, run))));
      assertFalse(store.isEmpty());
      StateStore.Prior a = store.lookup("a").orElseThrow();
      assertEquals(StateStore.Status.DONE, a.status());
      assertEquals("hash-a", a.inputHash());
      assertEquals("en>es|pseudo", a.settings());
      assertEquals("text a", a.translation());
      assertEquals(StateStore.Status.FAILED, store.lookup("b").orElseThrow().status());
      assertEquals(Optional.empty(), store.lookup("c"));

      long run2 = store.beginRun("again");
      store.write(List.of(new StateStore.Touch("a", 7, run2)));
      store.finishRun(run2, Map.of("translated", 0L));
      String runAndLine =
          store
              .database()
              .transaction(
                  c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT run, line FROM documents WHERE key = 'a'");
                        ResultSet rs = ps.executeQuery()) {
                      rs.next();
                      return rs.getLong(1) + "/" + rs.getLong(2);
                    }
                  });
      assertEquals(run2 + "/7", runAndLine);
    }
  }

  @Test
  void failuresComeInOutputThenLineOrderInByteOrder() {
    try (PostgresStateStore store = PostgresStateStore.open(TestPostgres.database())) {
      long run = store.beginRun("test");
      // "B" < "a" in byte order, though most locales sort "a" first
      store.write(
          List.of(
              new StateStore.Put(row("k1", "a.jsonl", 2, false, run)),
              new StateStore.Put(row("k2", "a.jsonl", 1, false, run)),
              new StateStore.Put(row("k3", "B.jsonl", 9, false, run)),
              new StateStore.Put(row("k4", "a.jsonl", 3, true, run))));
      List<String> seen = new ArrayList<>();
      store.failures(run, r -> seen.add(r.output() + ":" + r.line() + ":" + r.httpStatus()));
      assertEquals(List.of("B.jsonl:9:429", "a.jsonl:1:429", "a.jsonl:2:429"), seen);
      List<String> first = new ArrayList<>();
      store.failures(run, 1, r -> first.add(r.key()));
      assertEquals(List.of("k3"), first);
    }
  }

  @Test
  void theMemoryKeepsTheFirstTranslationOfAUnit() {
    try (PostgresStateStore store = PostgresStateStore.open(TestPostgres.database())) {
      assertTrue(store.memoryIsEmpty());
      String scope = StateStore.Memory.scope("en", "es", "pseudo");
      String key = StateStore.Memory.key(scope, "Hello");
      store.write(
          List.of(
              new StateStore.Remember(
                  new StateStore.Memory(key, "Hello", "Hola", "en", "es", "pseudo"), 1),
              new StateStore.Remember(
                  new StateStore.Memory(key, "Hello", "Buenas", "en", "es", "pseudo"), 1)));
      assertEquals(Optional.of("Hola"), store.recall(key));
      assertTrue(store.remembers("pseudo", "en", "es"));
      assertFalse(store.remembers("human", "en", "es"));
      List<String> all = new ArrayList<>();
      store.memory(m -> all.add(m.source() + "=" + m.target()));
      assertEquals(List.of("Hello=Hola"), all);
    }
  }

  @Test
  void openingAgainFindsTheSchemaInPlace() {
    String url = TestPostgres.database();
    try (PostgresStateStore store = PostgresStateStore.open(url)) {
      store.write(List.of(new StateStore.Put(row("a", "in.jsonl", 1, true, store.beginRun("x")))));
    }
    try (PostgresStateStore store = PostgresStateStore.open(url)) {
      assertEquals(StateStore.Status.DONE, store.lookup("a").orElseThrow().status());
    }
  }

  @Test
  void aPasswordIsNeverShown() {
    assertEquals(
        "jdbc:postgresql://db.example:5433/fanout?user=alice&password=s%3Acret",
        Postgres.jdbcUrl("postgresql://alice:s:cret@db.example:5433/fanout"));
    assertEquals(
        "jdbc:postgresql://db.example/fanout?sslmode=require&user=bob",
        Postgres.jdbcUrl("postgres://bob@db.example/fanout?sslmode=require"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Postgres.jdbcUrl("mysql://u:hunter2@h/db"));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    // a server that refuses the password: the message names the URL without it
    String url = TestPostgres.database();
    String withPassword =
        url.replace("jdbc:postgresql://", "postgresql://postgres:hunter2@")
            .replace("?user=postgres", "");
    try (Postgres db = Postgres.open(withPassword, 1)) {
      assertFalse(db.toString().contains("hunter2"), db.toString());
    }
  }
}
