package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.TestPostgres;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The document queue on a real PostgreSQL: claims, leases, fences, releases, notifications. */
class DocumentQueueTest {
  private Postgres db;
  private DocumentQueue queue;

  @BeforeEach
  void open() {
    db = Postgres.open(TestPostgres.database(), 12);
    queue = new DocumentQueue(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static DocumentQueue.Pending doc(int i) {
    String key = "j:in.jsonl:" + i;
    return new DocumentQueue.Pending(
        new StateStore.Entry(key, "in.jsonl:" + i, "in.jsonl", "" + i, i, "t" + (i % 3)),
        "jsonl",
        "text " + i,
        "hash" + i,
        "en>es|pseudo");
  }

  private static List<DocumentQueue.Pending> docs(int n) {
    List<DocumentQueue.Pending> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(doc(i));
    }
    return out;
  }

  private static DocumentQueue.Outcome done(DocumentQueue.Claimed c, String by) {
    StateStore.Row row =
        StateStore.Row.done(
            c.entry(),
            c.hash(),
            c.settings(),
            new StateStore.Cost(1, 1, 4),
            by + ":" + c.text(),
            1);
    return new DocumentQueue.Outcome(c.fence(), row);
  }

  private String translationOf(String key) {
    return db.transaction(
        c -> {
          try (var ps = c.prepareStatement("SELECT translation FROM documents WHERE key = ?")) {
            ps.setString(1, key);
            try (var rs = ps.executeQuery()) {
              rs.next();
              return rs.getString(1);
            }
          }
        });
  }

  @Test
  void concurrentWorkersTakeEveryDocumentExactlyOnce() throws Exception {
    int n = 2000;
    queue.enqueue(docs(n), 1);
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      String owner = "w" + w;
      workers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (true) {
                      List<DocumentQueue.Claimed> got =
                          queue.claim(owner, 7, Duration.ofMinutes(1));
                      if (got.isEmpty()) {
                        return;
                      }
                      List<DocumentQueue.Outcome> outcomes = new ArrayList<>();
                      for (DocumentQueue.Claimed c : got) {
                        if (!claimed.add(c.entry().key())) {
                          duplicates.incrementAndGet();
                        }
                        outcomes.add(done(c, owner));
                      }
                      refused.addAndGet(queue.complete(outcomes, List.of()).size());
                    }
                  }));
    }
    for (Thread t : workers) {
      t.join();
    }
    assertEquals(0, duplicates.get(), "documents claimed twice");
    assertEquals(0, refused.get(), "outcomes refused");
    assertEquals(n, claimed.size());
    assertEquals(new DocumentQueue.Counts(0, 0, n, 0, 0), queue.counts());
  }

  @Test
  void claimsComeInPlanningOrder() {
    queue.enqueue(docs(5), 1);
    List<String> keys =
        queue.claim("w", 5, Duration.ofMinutes(1)).stream().map(c -> c.entry().key()).toList();
    assertEquals(
        List.of("j:in.jsonl:1", "j:in.jsonl:2", "j:in.jsonl:3", "j:in.jsonl:4", "j:in.jsonl:5"),
        keys);
  }

  @Test
  void aDocumentWhoseLeaseRanOutIsTakenOverAndTheOldHolderCannotRecord() throws Exception {
    queue.enqueue(docs(1), 1);
    DocumentQueue.Claimed a = queue.claim("a", 1, Duration.ofMillis(200)).get(0);
    assertTrue(queue.claim("b", 1, Duration.ofMinutes(1)).isEmpty(), "held by a");
    Thread.sleep(400); // a is paused past its lease (the database's clock decides)
    List<DocumentQueue.Claimed> taken = queue.claim("b", 1, Duration.ofMinutes(1));
    assertEquals(1, taken.size());
    DocumentQueue.Claimed b = taken.get(0);
    assertTrue(b.rescued());
    assertTrue(b.fence() > a.fence());
    assertEquals(
        List.of("j:in.jsonl:1"), queue.complete(List.of(done(a, "a")), List.of()), "a is refused");
    assertEquals(List.of(), queue.complete(List.of(done(b, "b")), List.of()));
    assertEquals("b:text 1", translationOf("j:in.jsonl:1"));
    // and a's late outcome cannot overwrite b's recorded one either
    assertEquals(List.of("j:in.jsonl:1"), queue.complete(List.of(done(a, "a")), List.of()));
    assertEquals("b:text 1", translationOf("j:in.jsonl:1"));
    assertEquals(new DocumentQueue.Counts(0, 0, 1, 0, 1), queue.counts());
  }

  @Test
  void anExpiredLeaseNobodyTookOverStillRecords() throws Exception {
    queue.enqueue(docs(1), 1);
    DocumentQueue.Claimed a = queue.claim("a", 1, Duration.ofMillis(100)).get(0);
    Thread.sleep(300);
    assertEquals(List.of(), queue.complete(List.of(done(a, "a")), List.of()), "not paid for twice");
    assertEquals("a:text 1", translationOf("j:in.jsonl:1"));
  }

  @Test
  void renewingKeepsTheDocument() throws Exception {
    queue.enqueue(docs(3), 1);
    List<DocumentQueue.Claimed> held = queue.claim("a", 3, Duration.ofMillis(300));
    for (int i = 0; i < 6; i++) {
      Thread.sleep(100);
      assertEquals(3, queue.renew("a", Duration.ofMillis(300)));
      assertTrue(queue.claim("b", 3, Duration.ofMinutes(1)).isEmpty());
    }
    List<DocumentQueue.Outcome> outcomes = new ArrayList<>();
    held.forEach(c -> outcomes.add(done(c, "a")));
    assertEquals(List.of(), queue.complete(outcomes, List.of()));
    assertEquals(0, queue.renew("a", Duration.ofMillis(300)), "nothing held any more");
  }

  @Test
  void releasedDocumentsGoToTheNextWorkerAtOnce() {
    queue.enqueue(docs(2), 1);
    List<DocumentQueue.Claimed> a = queue.claim("a", 2, Duration.ofMinutes(10));
    assertEquals(2, queue.release("a"));
    List<DocumentQueue.Claimed> b = queue.claim("b", 2, Duration.ofMinutes(10));
    assertEquals(2, b.size());
    assertFalse(b.get(0).rescued(), "a release is not a rescue");
    assertEquals(
        2, queue.complete(List.of(done(a.get(0), "a"), done(a.get(1), "a")), List.of()).size());
  }

  @Test
  void planningAgainFencesOutTheHolderOfTheOldVersion() {
    queue.enqueue(docs(1), 1);
    DocumentQueue.Claimed old = queue.claim("a", 1, Duration.ofMinutes(10)).get(0);
    queue.enqueue(docs(1), 2); // the file changed; planned again
    assertEquals(List.of("j:in.jsonl:1"), queue.complete(List.of(done(old, "a")), List.of()));
    assertEquals(1, queue.counts().pending());
  }

  @Test
  void planningWakesAListeningWorker() throws Exception {
    try (Connection listen = db.listen()) {
      try (var s = listen.createStatement()) {
        s.execute("LISTEN " + DocumentQueue.CHANNEL);
      }
      Thread planner = Thread.ofVirtual().start(() -> queue.enqueue(docs(1), 1));
      PGNotification[] got = listen.unwrap(PGConnection.class).getNotifications(10_000);
      planner.join();
      assertTrue(got != null && got.length >= 1, "no notification within 10 s");
      assertEquals(DocumentQueue.CHANNEL, got[0].getName());
    }
  }

  @Test
  void outcomesAndTheUnitsTheyPaidForAreOneRoundTripAndUnitsStayWhenTheOutcomeIsRefused() {
    queue.enqueue(docs(2), 1);
    List<DocumentQueue.Claimed> a = queue.claim("a", 2, Duration.ofMinutes(10));
    queue.release("a"); // a's claims are now stale
    List<DocumentQueue.Claimed> b = queue.claim("b", 1, Duration.ofMinutes(10));
    String scope = StateStore.Memory.scope("en", "es", "pseudo");
    StateStore.Memory unit =
        new StateStore.Memory(
            StateStore.Memory.key(scope, "text 1"), "text 1", "texto 1", "en", "es", "pseudo");
    long before = db.roundTrips();
    List<String> refused =
        queue.complete(
            List.of(done(a.get(1), "a"), done(b.get(0), "b")),
            List.of(new StateStore.Remember(unit, 1)));
    assertEquals(1, db.roundTrips() - before, "one statement, in autocommit");
    assertEquals(List.of("j:in.jsonl:2"), refused);
    assertEquals("b:text 1", translationOf("j:in.jsonl:1"));
    try (PostgresStateStore store = PostgresStateStore.over(db)) {
      assertEquals(java.util.Optional.of("texto 1"), store.recall(unit.key()), "paid for: kept");
      assertEquals(
          java.util.Map.of(unit.key(), "texto 1"),
          store.recallAll(List.of(unit.key(), StateStore.Memory.key(scope, "never seen"))));
    }
  }

  @Test
  void aStatementIsOneRoundTripAndATransactionAddsItsCommit() {
    long before = db.roundTrips();
    db.statement(
        c -> {
          try (var s = c.createStatement()) {
            s.execute("SELECT 1");
          }
          return null;
        });
    assertEquals(1, db.roundTrips() - before);
    before = db.roundTrips();
    db.transaction(
        c -> {
          try (var s = c.createStatement()) {
            s.execute("SELECT 1");
            s.execute("SELECT 2");
          }
          return null;
        });
    assertEquals(3, db.roundTrips() - before);
  }
}
