package dev.fanout.search;

import dev.fanout.Batch;
import dev.fanout.BatchResult;
import dev.fanout.FailedException;
import dev.fanout.Outcome;
import dev.fanout.Subtask;
import dev.fanout.TaskGroup;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One search asked of every backend at once, in one of two shapes: {@link #failFast} on a {@link
 * TaskGroup} (Go's {@code errgroup}) or {@link #partial} on a {@link Batch} ({@code WaitGroup} and
 * {@code errors.Join}). It knows nothing of HTTP: a {@link Search} makes each call, and the caller
 * turns the {@link Result} into an answer.
 *
 * <p><b>Failure:</b> in fail-fast mode the first backend to fail is the result ({@link
 * BackendFailed}: which backend, its error, which calls were cancelled); in partial mode every
 * failure is kept, per backend, beside the sections that came back ({@link Partial}). <b>
 * Cancellation:</b> the first failure (fail-fast) or the deadline interrupts the calls still
 * running, which closes their connections; interrupting the calling thread cancels every call, and
 * {@code failFast} then throws {@link InterruptedException}. <b>Deadline:</b> it bounds the whole
 * search; in fail-fast mode passing it is the result ({@link DeadlinePassed}, naming the backends
 * still pending), in partial mode each pending backend's error says "timed out". Either way, when a
 * method returns or throws, every call's thread has ended.
 */
final class FanOut {
  private final List<Backend> backends;
  private final Search search;

  /** Asks {@code backends}, in this order, through {@code search}. */
  FanOut(List<Backend> backends, Search search) {
    this.backends = List.copyOf(backends);
    this.search = search;
  }

  /**
   * Asks every backend at once; the first failure cancels the other calls.
   *
   * @param query the URL query each backend is asked with ({@code q=...}, encoded)
   * @param deadline how long the whole search may take
   * @return {@link Found}, {@link BackendFailed} or {@link DeadlinePassed}
   * @throws InterruptedException when the calling thread was interrupted (every call is cancelled)
   */
  Result failFast(String query, Duration deadline) throws InterruptedException {
    List<Subtask<Hits>> calls = new ArrayList<>(backends.size());
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().timeout(deadline))) {
      for (Backend b : backends) {
        calls.add(group.fork(() -> search.search(b, query)));
      }
      group.join();
    } catch (FailedException e) {
      if (e.getCause() instanceof TimeoutException) {
        return new DeadlinePassed(deadline, names(calls, s -> s != Subtask.State.SUCCEEDED));
      }
      if (e.getCause() instanceof BackendException first) {
        List<String> cancelled = names(calls, s -> s == Subtask.State.CANCELLED);
        return new BackendFailed(threw(calls, first), first.getMessage(), cancelled);
      }
      throw e; // not a backend's failure but a bug: the caller's 500
    }
    List<Hits> hits = new ArrayList<>(calls.size());
    for (Subtask<Hits> c : calls) {
      hits.add(c.get());
    }
    return new Found(hits);
  }

  /**
   * Asks every backend at once and keeps whatever comes back by the deadline; one failure cancels
   * nothing. Interrupting the calling thread cancels the calls still running, whose errors then say
   * "cancelled".
   *
   * @param query the URL query each backend is asked with ({@code q=...}, encoded)
   * @param deadline how long the whole search may take
   * @return the sections that came back and each other backend's error
   */
  Partial partial(String query, Duration deadline) {
    List<Hits> hits = new ArrayList<>(backends.size());
    Map<String, String> errors = new LinkedHashMap<>();
    BatchResult<Backend, Hits> result =
        Batch.of(backends).timeout(deadline).run(b -> search.search(b, query));
    for (Outcome<Backend, Hits> o : result.outcomes()) {
      switch (o) {
        case Outcome.Success<Backend, Hits> s -> hits.add(s.value());
        case Outcome.Failure<Backend, Hits> f -> errors.put(f.item().name(), message(f.error()));
      }
    }
    return new Partial(hits, errors);
  }

  /** The backends whose calls ended in a state {@code wanted} accepts, in the backends' order. */
  private List<String> names(List<Subtask<Hits>> calls, Predicate<Subtask.State> wanted) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      if (wanted.test(calls.get(i).state())) {
        out.add(backends.get(i).name());
      }
    }
    return out;
  }

  /** The backend whose call threw {@code failure}. */
  private String threw(List<Subtask<Hits>> calls, Exception failure) {
    for (int i = 0; i < calls.size(); i++) {
      Subtask<Hits> c = calls.get(i);
      if (c.state() == Subtask.State.FAILED && c.exception() == failure) {
        return backends.get(i).name();
      }
    }
    throw new IllegalStateException("no call threw " + failure);
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** "2 s", or "300 ms" when it is not a whole number of seconds. */
  static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  // ------------------------------------------------------------------ the vocabulary

  /**
   * A backend: its section's name and where to ask it.
   *
   * @param name the section's name ({@code [a-z][a-z0-9_]*}: nothing to escape in JSON)
   * @param uri where to ask ({@code GET <uri>?q=...})
   */
  record Backend(String name, URI uri) {}

  /**
   * One backend's answer, checked to be a JSON array of hits and kept as the bytes it sent, so that
   * the answer to the user splices it in without parsing or re-serialising it.
   *
   * @param backend the backend's name
   * @param json a JSON array of hits, as the backend sent it
   */
  record Hits(String backend, byte[] json) {}

  /** How one backend is asked; {@link BackendClient} over HTTP. */
  @FunctionalInterface
  interface Search {
    /**
     * Asks {@code backend}.
     *
     * @throws BackendException when the backend failed (the message names it and says how)
     * @throws InterruptedException when the call was cancelled
     */
    Hits search(Backend backend, String query) throws BackendException, InterruptedException;
  }

  /** A backend failed: an error status, a bad answer, no connection, its own timeout. */
  static final class BackendException extends Exception {
    private static final long serialVersionUID = 1L;

    BackendException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What a search came to. */
  sealed interface Result permits Found, BackendFailed, DeadlinePassed, Partial {}

  /**
   * Fail-fast: every backend answered.
   *
   * @param sections every backend's hits, in the backends' order
   */
  record Found(List<Hits> sections) implements Result {}

  /**
   * Fail-fast: a backend failed first.
   *
   * @param backend its name
   * @param error what went wrong, in words (it names the backend)
   * @param cancelled the backends whose calls were still running and were cancelled
   */
  record BackendFailed(String backend, String error, List<String> cancelled) implements Result {}

  /**
   * Fail-fast: the deadline passed before every backend had answered; their calls were cancelled.
   *
   * @param deadline the deadline
   * @param pending the backends that had not answered, in the backends' order
   */
  record DeadlinePassed(Duration deadline, List<String> pending) implements Result {}

  /**
   * Partial: what came back by the deadline, and why the rest did not.
   *
   * @param sections the hits of the backends that answered, in the backends' order
   * @param errors each other backend's error, in the backends' order
   */
  record Partial(List<Hits> sections, Map<String, String> errors) implements Result {}
}
