package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.Snippets.Doc;
import dev.fanout.Snippets.Job;
import dev.fanout.Snippets.Upstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Runs every example of core's javadoc (they live in {@link Snippets}) and checks what it did. */
class SnippetsTest {
  static final List<Doc> DOCS =
      List.of(new Doc("a", "hello"), new Doc("bad", "x"), new Doc("c", "bye"));

  @Test
  void batch() {
    Upstream up = new Upstream();
    assertEquals(List.of("HELLO", "BYE", "again: bad"), Snippets.batch(DOCS, up));
    assertEquals(3 + 3, up.calls.get(), "the bad document was tried 4 times in all");
  }

  @Test
  void result() {
    List<String> log = Snippets.result(DOCS, new Upstream());
    assertEquals(2, log.size());
    assertTrue(log.get(0).startsWith("bad failed after 1 attempt(s)"), log.get(0));
    assertTrue(log.get(1).startsWith("1 of 3 items failed: [1]"), log.get(1));
  }

  @Test
  void outcome() {
    Outcome<Doc, String> ok = new Outcome.Success<>(DOCS.get(0), 0, 1, Duration.ZERO, "HELLO");
    Outcome<Doc, String> ko =
        new Outcome.Failure<>(DOCS.get(1), 1, 1, Duration.ZERO, new IOException("400"));
    assertEquals(List.of("a=HELLO"), Snippets.outcome(ok));
    assertEquals(List.of("bad failed: java.io.IOException: 400"), Snippets.outcome(ko));
  }

  @Test
  void pool() throws Exception {
    List<Job> backlog = IntStream.range(-1, 9).mapToObj(Job::new).toList();
    List<String> results = Snippets.pool(backlog, new Upstream());
    assertEquals(10, results.size());
    assertEquals(1, results.stream().filter(r -> r.startsWith("Failure")).count());
  }

  @Test
  void failFastPoolStopsAtTheFirstFailure() {
    List<Job> backlog = new ArrayList<>(IntStream.range(0, 5).mapToObj(Job::new).toList());
    backlog.add(new Job(-7));
    backlog.addAll(IntStream.range(100, 10_000).mapToObj(Job::new).toList());
    Upstream up = new Upstream();
    FailedException e =
        assertThrows(FailedException.class, () -> Snippets.failFastPool(backlog, up));
    assertEquals("job -7 refused", e.getCause().getMessage());
    assertTrue(up.calls.get() < 1_000, "the pool stopped early: " + up.calls.get() + " calls");
  }

  @Test
  void failFastPoolRunsEverythingWhenNothingFails() throws Exception {
    List<Job> backlog = IntStream.range(0, 30).mapToObj(Job::new).toList();
    assertEquals(30, Snippets.failFastPool(backlog, new Upstream()));
  }

  @Test
  void group() throws Exception {
    assertEquals("doc about q", Snippets.group("q").docs().get(0).title());
    FailedException e = assertThrows(FailedException.class, () -> Snippets.group("broken"));
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void groupConfig() throws Exception {
    assertEquals("person who knows q", Snippets.groupConfig("q").people().get(0).title());
    FailedException e = assertThrows(FailedException.class, () -> Snippets.groupConfig("broken"));
    assertInstanceOf(IOException.class, e.getCause(), "the failure, not the deadline, came first");
  }

  @Test
  void channelAndReceiveOrClosed() throws Exception {
    List<Job> jobs = IntStream.range(0, 40).mapToObj(Job::new).toList();
    assertEquals(jobs, Snippets.channel(jobs));
    Channel<Job> ch = Channel.buffered(4);
    ch.send(new Job(1));
    ch.send(new Job(2));
    ch.close();
    assertEquals(List.of(new Job(1), new Job(2)), Snippets.receiveOrClosed(ch));
  }

  @Test
  void select() throws Exception {
    Channel<Job> jobs = Channel.buffered(1);
    Channel<Job> urgent = Channel.buffered(1);
    Channel<String> results = Channel.rendezvous();
    jobs.send(new Job(1));
    urgent.send(new Job(2));
    assertEquals("urgent 2", Snippets.select(jobs, urgent, results));
    assertEquals("job 1", Snippets.select(jobs, urgent, results));
  }

  @Test
  void rateLimiter() throws Exception {
    assertEquals(2, Snippets.rateLimiter(List.of(DOCS.get(0), DOCS.get(2)), new Upstream()));
  }

  @Test
  void retryPolicy() {
    RetryPolicy p = Snippets.retryPolicy();
    assertEquals(5, p.maxAttempts());
    assertEquals(
        Optional.of(Duration.ofSeconds(20)),
        p.nextDelay(1, new Snippets.TooManyRequests(Duration.ofSeconds(20))));
    assertEquals(Optional.empty(), p.nextDelay(1, new IllegalArgumentException("400")));
    assertEquals(
        Optional.empty(), p.nextDelay(1, new Snippets.TooManyRequests(Duration.ofHours(1))));
    assertTrue(p.nextDelay(1, new TimeoutException()).isPresent());
  }

  /** Every region a main source refers to exists in Snippets.java, and every region is used. */
  @Test
  void everySnippetTagPointsAtARegionAndEveryRegionIsShown() throws IOException {
    String snippets = Files.readString(Path.of("src/test/java/dev/fanout/Snippets.java"));
    List<String> regions = new ArrayList<>();
    Matcher m = Pattern.compile("// @start region=([\\w-]+)").matcher(snippets);
    while (m.find()) {
      regions.add(m.group(1));
    }
    List<String> used = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String src = Files.readString(f);
        assertTrue(
            !src.contains("{@snippet :"), f + " has an inline snippet: move it to Snippets.java");
        Matcher tag =
            Pattern.compile("\\{@snippet class=dev\\.fanout\\.Snippets region=([\\w-]+)\\}")
                .matcher(src);
        while (tag.find()) {
          assertTrue(regions.contains(tag.group(1)), f + " shows a missing region " + tag.group(1));
          used.add(tag.group(1));
        }
      }
    }
    for (String r : regions) {
      assertTrue(used.contains(r), "region " + r + " is shown nowhere");
    }
  }
}
