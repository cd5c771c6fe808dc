package dev.fanout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The code examples of core's javadoc. Each {@code @start region=NAME} below is shown by a {@code
 * {@snippet class=dev.fanout.Snippets region=NAME}} tag in {@code src/main/java} (javadoc reads
 * this file through {@code --snippet-path src/test/java}), so every example in the API docs is
 * compiled with the tests, and {@link SnippetsTest} runs each one against the small stand-ins here
 * and checks what it did.
 */
final class Snippets {
  private Snippets() {}

  record Doc(String id, String text) {}

  record Job(int id) {}

  record Hit(String title) {}

  record Hits(List<Hit> docs, List<Hit> people) {}

  /** An upstream that rejects document "bad" for good and answers everything else. */
  static final class Upstream {
    final AtomicInteger calls = new AtomicInteger();

    String translate(Doc doc) throws IOException {
      calls.incrementAndGet();
      if (doc.id().equals("bad")) {
        throw new IOException("400 from upstream for " + doc.id());
      }
      return doc.text().toUpperCase();
    }

    String call(Job job) throws IOException {
      calls.incrementAndGet();
      if (job.id() < 0) {
        throw new IOException("job " + job.id() + " refused");
      }
      return "done " + job.id();
    }
  }

  static List<String> batch(List<Doc> docs, Upstream upstream) {
    // @start region=batch
    BatchResult<Doc, String> result =
        Batch.of(docs)
            .concurrency(16) // at most 16 calls at once
            .itemTimeout(Duration.ofSeconds(30)) // each attempt
            .retry(RetryPolicy.attempts(4)) // transient failures, with backoff and jitter
            .run(doc -> upstream.translate(doc));
    List<String> translations = result.values(); // what came back, in input order
    List<Doc> again = result.failedItems(); // the documents to send again, and nothing else
    // @end
    List<String> both = new ArrayList<>(translations);
    again.forEach(d -> both.add("again: " + d.id()));
    return both;
  }

  static List<String> result(List<Doc> docs, Upstream upstream) {
    List<String> log = new ArrayList<>();
    // @start region=result
    BatchResult<Doc, String> result = Batch.of(docs).concurrency(16).run(upstream::translate);
    for (Outcome.Failure<Doc, String> f : result.failures()) {
      log.add(f.item().id() + " failed after " + f.attempts() + " attempt(s): " + f.error());
    }
    result.error().ifPresent(e -> log.add(e.getMessage())); // one exception, if you want to throw
    // @end
    return log;
  }

  static List<String> outcome(Outcome<Doc, String> outcome) {
    List<String> saved = new ArrayList<>();
    // @start region=outcome
    switch (outcome) {
      case Outcome.Success<Doc, String> s -> saved.add(s.item().id() + "=" + s.value());
      case Outcome.Failure<Doc, String> f -> saved.add(f.item().id() + " failed: " + f.error());
    }
    // @end
    return saved;
  }

  static List<String> pool(List<Job> backlog, Upstream upstream) throws InterruptedException {
    List<Outcome<Job, String>> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    // @start region=pool
    Channel<Job> jobs = Channel.buffered(16);
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (Job job : backlog) {
                      jobs.send(job); // waits while 16 jobs are queued: back-pressure
                    }
                    jobs.close(); // the workers drain what is left, then the batch ends
                  } catch (InterruptedException e) {
                    jobs.closeWithError(e); // the batch stops and run() throws
                  }
                });
    Batch.Summary summary =
        Batch.from(jobs)
            .concurrency(8) // eight workers receive from the channel
            .rateLimiter(RateLimiter.perSecond(50)) // at most 50 calls a second, starting empty
            .run(job -> upstream.call(job), outcome -> results.add(outcome)); // as they finish
    // @end
    producer.join();
    if (summary.total() != results.size()) {
      throw new AssertionError(summary + " but the sink saw " + results.size());
    }
    return results.stream().map(Outcome::toString).toList();
  }

  static int failFastPool(List<Job> backlog, Upstream upstream) throws InterruptedException {
    Channel<Job> jobs = Channel.buffered(16);
    Thread producer = Thread.ofVirtual().start(() -> sendAll(backlog, jobs));
    AtomicInteger done = new AtomicInteger();
    try {
      // @start region=fail-fast-pool
      RateLimiter limiter = RateLimiter.perSecond(50);
      try (TaskGroup group = TaskGroup.open()) {
        for (int i = 0; i < 8; i++) {
          group.fork(
              () -> {
                Optional<Job> job;
                while ((job = jobs.receiveOrClosed()).isPresent()) {
                  limiter.acquire();
                  upstream.call(job.get()); // the first failure interrupts the other workers
                  done.incrementAndGet();
                }
                return null;
              });
        }
        group.join(); // throws FailedException with the first failure as its cause
      }
      // @end
    } finally {
      jobs.closeWithError(new IllegalStateException("the pool stopped")); // frees the producer
      producer.join();
    }
    return done.get();
  }

  /** Sends every job, then closes; stops quietly when the pool closed the channel first. */
  private static void sendAll(List<Job> backlog, Channel<Job> jobs) {
    try {
      for (Job job : backlog) {
        jobs.send(job);
      }
      jobs.close();
    } catch (InterruptedException | ChannelClosedException e) {
      // the pool failed and closed the channel: stop producing
    }
  }

  static Hits group(String q) throws InterruptedException {
    // @start region=group
    try (TaskGroup group = TaskGroup.open()) {
      Subtask<List<Hit>> docs = group.fork(() -> searchDocs(q));
      Subtask<List<Hit>> people = group.fork(() -> searchPeople(q));
      group.join(); // throws FailedException on the first failure, once both have ended
      return new Hits(docs.get(), people.get());
    }
    // @end
  }

  static Hits groupConfig(String q) throws InterruptedException {
    // @start region=group-config
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(8).timeout(Duration.ofSeconds(2)))) {
      Subtask<List<Hit>> docs = group.fork(() -> searchDocs(q));
      Subtask<List<Hit>> people = group.fork(() -> searchPeople(q));
      group.join(); // a FailedException caused by a TimeoutException after 2 s
      return new Hits(docs.get(), people.get());
    }
    // @end
  }

  static List<Hit> searchDocs(String q) throws IOException {
    if (q.equals("broken")) {
      throw new IOException("docs backend answered 502");
    }
    return List.of(new Hit("doc about " + q));
  }

  static List<Hit> searchPeople(String q) throws InterruptedException {
    if (q.equals("broken")) {
      Thread.sleep(Duration.ofMinutes(1)); // interrupted when the docs search fails
    }
    return List.of(new Hit("person who knows " + q));
  }

  static List<Job> channel(List<Job> source) throws InterruptedException {
    List<Job> handled = new ArrayList<>();
    // @start region=channel
    Channel<Job> jobs = Channel.buffered(16);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                for (Job j : source) {
                  jobs.send(j); // blocks while 16 jobs wait
                }
                jobs.close(); // receivers drain, then their loops end
              } catch (InterruptedException e) {
                jobs.closeWithError(e); // receivers see the error
              }
            });
    for (Job j : jobs) { // ends when closed and drained
      handled.add(j);
    }
    // @end
    return handled;
  }

  static List<Job> receiveOrClosed(Channel<Job> jobs) throws InterruptedException {
    List<Job> handled = new ArrayList<>();
    // @start region=receive-or-closed
    Optional<Job> job;
    while ((job = jobs.receiveOrClosed()).isPresent()) {
      handled.add(job.get());
    }
    // the channel was closed and every job before the close was handled
    // @end
    return handled;
  }

  static String select(Channel<Job> jobs, Channel<Job> urgent, Channel<String> results)
      throws InterruptedException {
    String pending = "result";
    // @start region=select
    String what =
        Select.select(
            urgent.onReceive(job -> "urgent " + job.id()), // earlier clauses win ties
            jobs.onReceive(job -> "job " + job.id()),
            results.onSend(pending, () -> "sent"),
            Select.timeout(Duration.ofSeconds(1), () -> "idle"));
    // @end
    return what;
  }

  static int rateLimiter(List<Doc> docs, Upstream upstream) throws Exception {
    // @start region=rate-limiter
    RateLimiter perTenant = RateLimiter.perSecond(50);
    for (Doc d : docs) {
      perTenant.acquire(); // at most 50 a second, however many workers call it
      upstream.translate(d);
    }
    // @end
    return upstream.calls.get();
  }

  /** A failure of our own that carries a server's Retry-After. */
  static final class TooManyRequests extends Exception {
    private static final long serialVersionUID = 1L;
    final Duration retryAfter;

    TooManyRequests(Duration retryAfter) {
      super("429 Too Many Requests, retry after " + retryAfter);
      this.retryAfter = retryAfter;
    }
  }

  static RetryPolicy retryPolicy() {
    // @start region=retry-policy
    RetryPolicy policy =
        RetryPolicy.attempts(5)
            .backoff(Duration.ofMillis(200), Duration.ofSeconds(10))
            .retryIf(e -> !(e instanceof IllegalArgumentException)) // never retry a bad request
            .serverDelay(
                e -> e instanceof TooManyRequests t ? Optional.of(t.retryAfter) : Optional.empty())
            .maxServerDelay(Duration.ofMinutes(1)); // asked for longer: fail now, say so
    // @end
    return policy;
  }
}
