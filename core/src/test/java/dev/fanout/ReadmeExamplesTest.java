package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The README's examples, kept compiling and running. Keep the two in step. */
class ReadmeExamplesTest {
  record Doc(String id, String text) {}

  record Hit(String title) {}

  record Page(List<Hit> docs, List<Hit> people) {}

  static final class BadRequest extends Exception {
    BadRequest(String m) {
      super(m);
    }
  }

  /** A stand-in upstream: fails doc "d3" for good and "d5" once. */
  static final class Upstream {
    final AtomicInteger d5Calls = new AtomicInteger();

    String translate(Doc doc) throws Exception {
      if (doc.id().equals("d3")) {
        throw new BadRequest("400 unsupported text");
      }
      if (doc.id().equals("d5") && d5Calls.incrementAndGet() == 1) {
        throw new IOException("connection reset");
      }
      return doc.text().toUpperCase();
    }
  }

  static final class Backend {
    final String broken;

    Backend(String broken) {
      this.broken = broken;
    }

    List<Hit> search(String kind, String q) throws IOException {
      if (kind.equals(broken)) {
        throw new IOException("502 from " + kind);
      }
      return List.of(new Hit(kind + ":" + q));
    }
  }

  /** Each README region below appears in README.md, whitespace aside. */
  @Test
  void readmeShowsTheseRegions() throws java.io.IOException {
    String readme = strip(java.nio.file.Files.readString(java.nio.file.Path.of("../README.md")));
    String self =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/test/java/dev/fanout/ReadmeExamplesTest.java"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "// --- README: (\\w+) ---\\n(.*?)// --- end ---", java.util.regex.Pattern.DOTALL)
            .matcher(self);
    int regions = 0;
    while (m.find()) {
      regions++;
      String region = strip(m.group(2));
      assertTrue(readme.contains(region), "README.md lacks the " + m.group(1) + " example");
    }
    assertEquals(2, regions);
    // and the pipeline, which is also Batch's javadoc example (Snippets.java, region "pool")
    String snippets =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/test/java/dev/fanout/Snippets.java"));
    java.util.regex.Matcher pool =
        java.util.regex.Pattern.compile(
                "// @start region=pool\\n(.*?)// @end", java.util.regex.Pattern.DOTALL)
            .matcher(snippets);
    assertTrue(pool.find(), "Snippets.java has a region pool");
    assertTrue(readme.contains(strip(pool.group(1))), "README.md lacks the pipeline example");
  }

  private static String strip(String s) {
    return s.replaceAll("\\s+", "");
  }

  @Test
  void collectAll() {
    List<Doc> docs = List.of(new Doc("d1", "a"), new Doc("d3", "b"), new Doc("d5", "c"));
    Upstream upstream = new Upstream();
    // --- README: Batch ---
    BatchResult<Doc, String> result =
        Batch.of(docs)
            .concurrency(16)
            .itemTimeout(Duration.ofSeconds(30))
            .retry(RetryPolicy.attempts(3).retryIf(e -> !(e instanceof BadRequest)))
            .run(doc -> upstream.translate(doc));

    result.values(); // every translation that came back, in input order
    result.failedItems(); // only these need another run
    result.failures(); // per item: the error, attempts, elapsed time
    // --- end ---
    assertEquals(List.of("A", "C"), result.values());
    assertEquals(List.of(docs.get(1)), result.failedItems());
    assertEquals(1, result.failures().get(0).attempts(), "a BadRequest is not retried");
    assertEquals(2, result.outcomes().get(2).attempts(), "the reset is retried");
  }

  Page search(Backend backend, String q) throws InterruptedException {
    // --- README: TaskGroup ---
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().timeout(Duration.ofSeconds(2)))) {
      Subtask<List<Hit>> docs = group.fork(() -> backend.search("docs", q));
      Subtask<List<Hit>> people = group.fork(() -> backend.search("people", q));
      group.join(); // the first failure interrupts the other calls and is thrown here
      return new Page(docs.get(), people.get());
    }
    // --- end ---
  }

  /** The README's pipeline is the javadoc's: {@link Snippets#pool}, region "pool". */
  @Test
  void pipeline() throws Exception {
    List<Snippets.Job> backlog =
        java.util.stream.IntStream.range(-1, 39).mapToObj(Snippets.Job::new).toList();
    List<String> results = Snippets.pool(backlog, new Snippets.Upstream());
    assertEquals(40, results.size());
    assertEquals(1, results.stream().filter(r -> r.startsWith("Failure")).count());
  }

  @Test
  void failFast() throws Exception {
    Page page = search(new Backend("none"), "q");
    assertEquals("docs:q", page.docs().get(0).title());
    FailedException e =
        assertThrows(FailedException.class, () -> search(new Backend("people"), "q"));
    assertTrue(e.getCause().getMessage().contains("502"));
  }
}
