package dev.fanout.search;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.search.FanOut.Backend;
import dev.fanout.search.FanOut.BackendFailed;
import dev.fanout.search.FanOut.DeadlinePassed;
import dev.fanout.search.FanOut.Found;
import dev.fanout.search.FanOut.Hits;
import dev.fanout.search.FanOut.Partial;
import dev.fanout.testing.AllowThreadsNamed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FanOut} over real loopback HTTP ({@link ScriptedBackend}s, one {@link BackendClient}),
 * with no sleeping: a backend that must answer after another has received or answered a request
 * waits on that backend's latch, and one that must never answer waits on a latch nobody opens.
 * Every test also checks that each call's thread has ended by the time the fan-out returns.
 */
// The Prometheus client starts one process-wide daemon scheduler thread on first use (the first
// backend failure counted), by design. Every other thread must end; the fan-out's own by the time
// it returns.
@AllowThreadsNamed("prometheus-metrics-scheduler")
class FanOutTest {
  private static final Duration LONG = Duration.ofSeconds(10); // a deadline no test reaches
  private static final CountDownLatch NEVER = new CountDownLatch(1);

  private final List<ScriptedBackend> started = new ArrayList<>();
  private final Queue<Thread> callThreads = new ConcurrentLinkedQueue<>();
  private BackendClient client;

  @BeforeEach
  void client() {
    client = new BackendClient(LONG, new Metrics());
  }

  @AfterEach
  void close() throws Exception {
    client.close();
    for (ScriptedBackend b : started) {
      b.close();
    }
  }

  @Test
  void everyBackendAnsweringGivesEverySectionInTheBackendsOrder() throws Exception {
    ScriptedBackend people = started(ScriptedBackend.ok(Duration.ZERO, "Ada"));
    ScriptedBackend docs = started(ScriptedBackend.okAfter(List.of(people.answered), "Design"));
    FanOut fanOut = fanOut(backend("docs", docs), backend("people", people));

    Found found = assertInstanceOf(Found.class, fanOut.failFast("q=ada", LONG));

    assertEquals(List.of("docs", "people"), found.sections().stream().map(Hits::backend).toList());
    assertEquals(ScriptedBackend.hits("Design"), text(found.sections().get(0)));
    assertEquals(ScriptedBackend.hits("Ada"), text(found.sections().get(1)));
    assertCallThreadsEnded(2);
  }

  @Test
  void theFirstFailureCancelsTheOtherCallsAndIsReportedWithItsBackend() throws Exception {
    ScriptedBackend people = started(ScriptedBackend.okAfter(List.of(NEVER), "p"));
    ScriptedBackend projects = started(ScriptedBackend.okAfter(List.of(NEVER), "j"));
    ScriptedBackend tags = started(ScriptedBackend.okAfter(List.of(NEVER), "t"));
    // docs fails only once the three others are waiting on their calls
    ScriptedBackend docs =
        started(
            ScriptedBackend.after(
                List.of(people.received, projects.received, tags.received), 500, "{}"));
    FanOut fanOut =
        fanOut(
            backend("docs", docs),
            backend("people", people),
            backend("projects", projects),
            backend("tags", tags));

    FanOut.Result result = fanOut.failFast("q=x", LONG);

    assertEquals(
        new BackendFailed("docs", "docs: HTTP 500", List.of("people", "projects", "tags")), result);
    assertCallThreadsEnded(4);
    for (ScriptedBackend slow : List.of(people, projects, tags)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !slow.disconnectedAt.isEmpty());
      assertEquals(0, slow.answeredAt.size(), "a cancelled backend answered");
    }
  }

  @Test
  void theDeadlineCancelsThePendingCallsAndNamesThem() throws Exception {
    ScriptedBackend docs = started(ScriptedBackend.ok(Duration.ZERO, "quick"));
    ScriptedBackend tags = started(ScriptedBackend.okAfter(List.of(NEVER), "never"));
    FanOut fanOut = fanOut(backend("docs", docs), backend("tags", tags));
    client.search(backend("docs", docs), "q=warm"); // loads the client's classes
    Duration deadline = Duration.ofSeconds(1);

    FanOut.Result result = fanOut.failFast("q=x", deadline);

    assertEquals(new DeadlinePassed(deadline, List.of("tags")), result);
    assertCallThreadsEnded(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> !tags.disconnectedAt.isEmpty());
  }

  @Test
  void partialKeepsTheSectionsThatCameBackAndEveryOtherBackendsError() throws Exception {
    ScriptedBackend docs = started(new ScriptedBackend(Duration.ZERO, 503, "{}"));
    // people answers only after docs has failed: a failure cancels nothing
    ScriptedBackend people = started(ScriptedBackend.okAfter(List.of(docs.answered), "Ada"));
    ScriptedBackend tags = started(ScriptedBackend.okAfter(List.of(NEVER), "never"));
    FanOut fanOut = fanOut(backend("docs", docs), backend("people", people), backend("tags", tags));

    Partial partial = fanOut.partial("q=ada", Duration.ofSeconds(2));

    assertEquals(List.of("people"), partial.sections().stream().map(Hits::backend).toList());
    assertEquals(ScriptedBackend.hits("Ada"), text(partial.sections().get(0)));
    assertEquals(List.of("docs", "tags"), List.copyOf(partial.errors().keySet()));
    assertEquals("docs: HTTP 503", partial.errors().get("docs"));
    assertTrue(partial.errors().get("tags").contains("timed out"), partial.errors().toString());
    assertEquals(0, people.disconnectedAt.size(), "partial lets the others finish");
    assertCallThreadsEnded(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> !tags.disconnectedAt.isEmpty());
  }

  @Test
  void interruptingTheCallerCancelsEveryCallAndThrowsOnceTheyHaveEnded() throws Exception {
    ScriptedBackend docs = started(ScriptedBackend.okAfter(List.of(NEVER), "d"));
    ScriptedBackend people = started(ScriptedBackend.okAfter(List.of(NEVER), "p"));
    FanOut fanOut = fanOut(backend("docs", docs), backend("people", people));
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    outcome.set(fanOut.failFast("q=x", LONG));
                  } catch (InterruptedException e) {
                    outcome.set(e);
                  }
                });
    docs.received.await();
    people.received.await();

    caller.interrupt();
    caller.join();

    assertInstanceOf(InterruptedException.class, outcome.get());
    assertCallThreadsEnded(2);
    for (ScriptedBackend b : List.of(docs, people)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !b.disconnectedAt.isEmpty());
    }
  }

  // ------------------------------------------------------------------ helpers

  private ScriptedBackend started(ScriptedBackend b) {
    started.add(b);
    return b;
  }

  private static Backend backend(String name, ScriptedBackend b) {
    return new Backend(name, b.uri());
  }

  /** A fan-out over {@code backends}, in order, whose calls record the thread they run on. */
  private FanOut fanOut(Backend... backends) {
    return new FanOut(
        List.of(backends),
        (backend, query) -> {
          callThreads.add(Thread.currentThread());
          return client.search(backend, query);
        });
  }

  /** Structured: when the fan-out has returned or thrown, each of its calls' threads has ended. */
  private void assertCallThreadsEnded(int calls) {
    assertEquals(calls, callThreads.size(), "calls made");
    for (Thread t : callThreads) {
      assertFalse(t.isAlive(), "a call's thread outlived the fan-out: " + t);
    }
  }

  private static String text(Hits hits) {
    return new String(hits.json(), StandardCharsets.UTF_8);
  }
}
