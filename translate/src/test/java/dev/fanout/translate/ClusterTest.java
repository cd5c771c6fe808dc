package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.TestPostgres;
import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers sharing one real PostgreSQL, in one JVM (each with its own translator, pool and limiters,
 * sharing nothing but the database): every document translated once, and the export byte-identical
 * to a run on one machine. The CLI's tests run them as separate processes.
 */
class ClusterTest {
  @TempDir Path dir;

  private void inputs(int files, int records) throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in.resolve("sub"));
    for (int i = 0; i < files; i++) {
      Files.writeString(
          in.resolve((i % 2 == 0 ? "" : "sub/") + "doc" + i + ".md"),
          "# Title "
              + i
              + "\n\nParagraph number "
              + i
              + " with `code "
              + i
              + "` kept.\n\n"
              + "```\nnever sent "
              + i
              + "\n```\n",
          StandardCharsets.UTF_8);
    }
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < records; i++) {
      jsonl
          .append("{\"id\":\"r")
          .append(i)
          .append("\",\"tenant\":\"t")
          .append(i % 3)
          .append("\",\"text\":\"record number ")
          .append(i)
          .append("\"}\n");
      if (i == 7) {
        jsonl.append("{not json\n"); // an input problem: fails on its own, everywhere
      }
    }
    if (records > 0) {
      Files.writeString(in.resolve("tickets.jsonl"), jsonl, StandardCharsets.UTF_8);
    }
  }

  private JobOptions options(String out, boolean shared) {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve(out), "es")
        .workers(4)
        .initialBackoff(Duration.ofMillis(1))
        .outputsInStore(shared)
        .build();
  }

  /** Every file under {@code root} but the run's own state and report, with its bytes. */
  private static TreeMap<String, byte[]> tree(Path root) throws IOException {
    TreeMap<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String rel = root.relativize(p).toString();
        if (!rel.startsWith(".fanout")) {
          out.put(rel, Files.readAllBytes(p));
        }
      }
    }
    return out;
  }

  @Test
  void threeWorkersTranslateEachDocumentOnceAndTheExportIsWhatOneMachineWrites() throws Exception {
    inputs(40, 200);
    TranslateJobTest.Recording single = new TranslateJobTest.Recording();
    TranslateJob.Result alone;
    try (StateStore store = StateStores.open(null, dir.resolve("one"))) {
      alone =
          new TranslateJob(options("one", false), single, store).run(null, Duration.ofSeconds(1));
    }
    assertEquals(240, alone.translated());
    assertEquals(1, alone.failed());

    try (Postgres db = Postgres.open(TestPostgres.database(), 8)) {
      ClusterPlan.Result plan =
          ClusterPlan.plan(options("many", true), new TranslateJobTest.Recording(), db);
      assertEquals(240, plan.enqueued());
      assertEquals(1, plan.problems());
      List<TranslateJobTest.Recording> translators = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      List<ClusterWorker.Result> results =
          java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int w = 0; w < 3; w++) {
        TranslateJobTest.Recording t = new TranslateJobTest.Recording();
        translators.add(t);
        JobOptions o =
            JobOptions.builder(List.of(), dir.resolve("worker" + w), "es")
                .workers(4)
                .initialBackoff(Duration.ofMillis(1))
                .outputsInStore(true)
                .build();
        ClusterWorker worker = new ClusterWorker(o, t, db, "w" + w, Duration.ofSeconds(30));
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        results.add(worker.run(null, Duration.ofSeconds(1)));
                      } catch (Throwable e) {
                        failure.set(e);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join(Duration.ofMinutes(2));
        assertTrue(!t.isAlive(), "a worker did not end");
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      long calls = translators.stream().mapToLong(t -> t.requests.size()).sum();
      assertEquals(single.requests.size(), calls, "each unit sent once, whoever sent it");
      assertEquals(240, results.stream().mapToLong(r -> r.job().translated()).sum());
      assertEquals(0, results.stream().mapToLong(ClusterWorker.Result::refused).sum());
      assertEquals(0, results.stream().mapToLong(ClusterWorker.Result::rescued).sum());
      assertEquals(new DocumentQueue.Counts(0, 0, 240, 1, 0), new DocumentQueue(db).counts());

      Export.Result exported = Export.write(db, dir.resolve("many"));
      assertEquals(40, exported.files());
      assertEquals(200, exported.records());
    }
    TreeMap<String, byte[]> one = tree(dir.resolve("one"));
    TreeMap<String, byte[]> many = tree(dir.resolve("many"));
    assertEquals(one.keySet(), many.keySet());
    for (String rel : one.keySet()) {
      assertArrayEquals(one.get(rel), many.get(rel), rel);
    }
  }

  @Test
  void documentsHeldByAWorkerThatDiedAreTakenOverWhenItsLeaseRunsOut() throws Exception {
    inputs(10, 0);
    try (Postgres db = Postgres.open(TestPostgres.database(), 8)) {
      ClusterPlan.plan(options("many", true), new TranslateJobTest.Recording(), db);
      // A worker claims 4 documents and dies: it never records or renews.
      DocumentQueue queue = new DocumentQueue(db);
      assertEquals(4, queue.claim("dead", 4, Duration.ofMillis(300)).size());
      TranslateJobTest.Recording t = new TranslateJobTest.Recording();
      JobOptions o =
          JobOptions.builder(List.of(), dir.resolve("worker"), "es")
              .workers(2)
              .outputsInStore(true)
              .build();
      ClusterWorker.Result r =
          new ClusterWorker(o, t, db, "alive", Duration.ofSeconds(30))
              .run(null, Duration.ofSeconds(1));
      assertEquals(10, r.job().translated(), "nothing lost");
      assertEquals(4, r.rescued(), "the dead worker's documents, counted");
      assertEquals(new DocumentQueue.Counts(0, 0, 10, 0, 4), queue.counts());
    }
  }
}
