package dev.fanout.testing;

import dev.fanout.testing.ThreadDump.DumpedThread;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Fails every test that leaves a thread it started still running: platform or virtual, made
 * directly, by an executor, a thread factory or a library such as {@code HttpClient}.
 *
 * <h2>How</h2>
 *
 * Before each test it records the ids of all live threads; after it (after {@code @AfterEach}
 * methods and the other extensions' after-each callbacks) it lists them again and fails the test
 * with an {@link AssertionError} naming every thread that is new and still alive, with its id,
 * whether it is virtual, its state, the thread container it belongs to (which tells an unclosed
 * executor apart from a bare thread) and its stack. A thread that has just finished its work may
 * need a moment to terminate, so new threads get a grace period of 2 s (polled every 10 ms) before
 * they count as leaked; the configuration parameter {@value #GRACE_PARAMETER} changes it.
 *
 * <p>Virtual threads are not listed by {@link Thread#getAllStackTraces()}, so both lists come from
 * a HotSpot JSON thread dump ({@code HotSpotDiagnosticMXBean.dumpThreads}), written to a temporary
 * file, parsed and deleted. On JDK 25 it lists every virtual thread (started by {@code
 * Thread.ofVirtual().start}, by a {@code Thread.ofVirtual().factory()} thread or by {@code
 * Executors.newVirtualThreadPerTaskExecutor()}), parked or sleeping, as long as {@code
 * jdk.trackAllThreads} is true, which is its default: with {@code -Djdk.trackAllThreads=false} only
 * executor-started virtual threads appear (a warning is then logged once). The build sets {@code
 * -Djdk.trackAllThreads=true} explicitly. (JDK 25's JSON writer throws on a thread name holding a
 * control character other than {@code \b \f \n \r \t}; the dump is then taken again in plain text,
 * which does not escape names but is parsed well enough.)
 *
 * <h2>Cost</h2>
 *
 * One dump before and one after each test in the normal case. Measured on JDK 25 in the Surefire
 * JVM of this module (2 cores, about 12 live threads), over runs of 300 empty tests with and
 * without the extension: 1.3 to 2.7 ms per test once warm, about 4 ms per test over the first few
 * hundred tests of a JVM (its very first dump alone takes 30 to 50 ms). One dump and parse in a
 * tight loop takes about 0.45 ms, about 3 ms with 200 more virtual threads alive. A test whose
 * threads are still winding down costs one more dump per 10 ms poll until they end.
 *
 * <h2>Not counted as leaks</h2>
 *
 * Threads the JDK or the test tooling start lazily and keep for the life of the JVM, whoever
 * happened to trigger them. They are recognised in one place, {@code INFRASTRUCTURE_NAMES} and
 * {@code isInfrastructure} in this class, and are:
 *
 * <ul>
 *   <li>the virtual thread scheduler's carrier threads ({@code ForkJoinPool-1-worker-N}) and its
 *       {@code ForkJoinPool-1-delayScheduler} (JDK 25, runs timed parks such as {@code
 *       Thread.sleep} in virtual threads); recognised by their thread group {@code
 *       "CarrierThreads"}, not by name, so a {@code ForkJoinPool} the test creates and does not
 *       shut down is still reported whatever its number;
 *   <li>{@code VirtualThread-unblocker} (JDK 24+) and {@code VirtualThread-unparker} (JDK 21);
 *   <li>the common pool: {@code ForkJoinPool.commonPool-worker-N}, and on JDK 25 {@code
 *       ForkJoinPool.commonPool-delayScheduler} (also behind {@code
 *       CompletableFuture.delayedExecutor}, which on JDK 21 uses {@code
 *       CompletableFutureDelayScheduler} instead);
 *   <li>the I/O pollers that park virtual threads blocked on sockets and pipes. Seen on JDK 25 on
 *       Linux after a virtual thread's first socket I/O: one platform thread {@code MasterPoller}
 *       and virtual threads {@code SubPoller-0}, {@code SubPoller-1}, ... (three on a 2-core
 *       machine), listed under a {@code ThreadPerTaskExecutor} container. With {@code
 *       -Djdk.pollerMode=1} (and on JDK 21) they are {@code Read-Poller} and {@code Write-Poller}
 *       platform threads instead;
 *   <li>{@code process reaper} threads (on JDK 25 renamed {@code process reaper (pid N)} while they
 *       wait for a process);
 *   <li>JVM daemons: {@code Reference Handler}, {@code Finalizer}, {@code Signal Dispatcher},
 *       {@code Notification Thread}, {@code Common-Cleaner}, {@code Attach Listener};
 *   <li>JFR threads ({@code JFR Recorder Thread}, {@code JFR Periodic Tasks}, ...);
 *   <li>JUnit's {@code junit-jupiter-timeout-watcher} and Surefire's {@code surefire-forkedjvm-*}
 *       threads;
 *   <li>the threads {@link TestPostgres#shared()} started with the PostgreSQL server that the JVM's
 *       tests share (recognised by id, as those alive after it started and not before).
 * </ul>
 *
 * Deliberately not on the list: {@code HttpClient-N-SelectorManager} and {@code
 * HttpClient-N-Worker-N} (close the client), {@code pool-N-thread-M} (shut the executor down), user
 * {@code ForkJoinPool}s, {@code Timer-N}, and {@code Keep-Alive-Timer}. A test that really must
 * leave a thread behind says so with {@link AllowThreadsNamed}.
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>Threads alive before the test are never reported, so a thread started while the test
 *       instance is constructed (a field initializer) or in {@code @BeforeAll} is not checked.
 *   <li>It assumes the tests of one JVM run one at a time: with {@code
 *       junit.jupiter.execution.parallel.enabled = true} it cannot tell whose thread is whose and
 *       checks nothing (a warning is logged once).
 * </ul>
 *
 * <p>It is registered for every test of every module through {@code
 * META-INF/services/org.junit.jupiter.api.extension.Extension} and {@code
 * junit.jupiter.extensions.autodetection.enabled = true}; being auto-detected it runs its
 * after-each check after every other extension's.
 */
public final class NoThreadLeaks implements BeforeEachCallback, AfterEachCallback {

  /** Configuration parameter: the grace period in milliseconds (default 2000). */
  public static final String GRACE_PARAMETER = "fanout.threadleaks.grace.millis";

  static final long DEFAULT_GRACE_MILLIS = 2_000;
  static final long POLL_MILLIS = 10;

  /**
   * Names of the JDK- and tool-owned threads that are not the test's doing; see the class javadoc.
   * Carrier threads are recognised by {@link #CARRIER_THREAD_GROUP} instead.
   */
  static final List<Pattern> INFRASTRUCTURE_NAMES =
      List.of(
          // JVM daemons; normally alive before the first test, Attach Listener starts on demand.
          Pattern.compile("Reference Handler|Finalizer|Signal Dispatcher|Notification Thread"),
          Pattern.compile("Common-Cleaner|Attach Listener"),
          // Virtual thread scheduler helpers: JDK 24+ and JDK 21.
          Pattern.compile("VirtualThread-unblocker|VirtualThread-unparker"),
          // The common pool: worker-N and (JDK 25) delayScheduler; JDK 21's CompletableFuture.
          Pattern.compile("ForkJoinPool\\.commonPool-(worker-\\d+|delayScheduler)"),
          Pattern.compile("CompletableFutureDelayScheduler"),
          // I/O pollers for virtual threads: JDK 25 default, and JDK 21 / jdk.pollerMode=1.
          Pattern.compile("MasterPoller|SubPoller-\\d+|Read-Poller|Write-Poller"),
          Pattern.compile("process reaper.*"),
          Pattern.compile("JFR .*"),
          Pattern.compile("junit-jupiter-timeout-watcher"),
          Pattern.compile("surefire-forkedjvm-.*"));

  /** Thread group of the virtual thread scheduler's carriers and its delay scheduler. */
  static final String CARRIER_THREAD_GROUP = "CarrierThreads";

  private static final Logger LOG = System.getLogger(NoThreadLeaks.class.getName());
  private static final Namespace NAMESPACE = Namespace.create(NoThreadLeaks.class);
  private static final String BEFORE = "threads before";
  private static final AtomicBoolean WARNED_PARALLEL = new AtomicBoolean();
  private static final AtomicBoolean WARNED_UNTRACKED = new AtomicBoolean();

  /** Ids of platform threads already found to be carriers; ids are never reused. */
  private static final Set<Long> KNOWN_CARRIERS = ConcurrentHashMap.newKeySet();

  /** Creates the extension; JUnit does, through the service loader. */
  public NoThreadLeaks() {}

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!enabled(context)) {
      return;
    }
    long start = System.nanoTime();
    Set<Long> before = Set.copyOf(ThreadDump.take().threads().keySet());
    context.getStore(NAMESPACE).put(BEFORE, new Snapshot(before, System.nanoTime() - start));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Snapshot before = context.getStore(NAMESPACE).remove(BEFORE, Snapshot.class);
    if (before == null) {
      return;
    }
    List<String> allowed = allowedPrefixes(context);
    long grace = TimeUnit.MILLISECONDS.toNanos(graceMillis(context));
    // A pending interrupt would make every sleep below return at once: park it until done.
    boolean interrupted = Thread.interrupted();
    try {
      long start = System.nanoTime();
      int polls = 0;
      while (true) {
        List<DumpedThread> leaked = leaked(before.threadIds(), ThreadDump.take(), allowed);
        long waited = System.nanoTime() - start;
        if (leaked.isEmpty()) {
          int extra = polls;
          LOG.log(
              Level.DEBUG,
              () ->
                  String.format(
                      "%s: no leaked thread (before: %.1f ms, after: %.1f ms, %d extra polls)",
                      context.getUniqueId(), before.nanos() / 1e6, waited / 1e6, extra));
          return;
        }
        if (waited >= grace) {
          throw new AssertionError(message(leaked, TimeUnit.NANOSECONDS.toMillis(grace)));
        }
        sleep(POLL_MILLIS);
        polls++;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Threads of {@code after} not in {@code before} that are neither infrastructure nor allowed. */
  static List<DumpedThread> leaked(Set<Long> before, ThreadDump after, List<String> allowed) {
    List<DumpedThread> candidates = new ArrayList<>();
    for (DumpedThread t : after.threads().values()) {
      if (!before.contains(t.tid()) && !hasAllowedName(t, allowed)) {
        candidates.add(t);
      }
    }
    if (candidates.isEmpty()) {
      return candidates;
    }
    Map<Long, Thread> platform = null;
    List<DumpedThread> leaked = new ArrayList<>();
    for (DumpedThread t : candidates) {
      if (!t.virtual() && !KNOWN_CARRIERS.contains(t.tid()) && platform == null) {
        platform = platformThreads();
      }
      if (!isInfrastructure(t, platform == null ? Map.of() : platform)) {
        leaked.add(t);
      }
    }
    return leaked;
  }

  /**
   * Whether {@code thread} belongs to the JDK or the test tooling rather than to a test.
   *
   * @param platform live platform threads by id, to look up a carrier's thread group
   */
  static boolean isInfrastructure(DumpedThread thread, Map<Long, Thread> platform) {
    for (Pattern p : INFRASTRUCTURE_NAMES) {
      if (p.matcher(thread.name()).matches()) {
        return true;
      }
    }
    if (thread.virtual()) {
      return false;
    }
    if (TestPostgres.sharedServerThread(thread.tid())) {
      return true; // the PostgreSQL server shared by the JVM's tests, started by whichever came
      // first
    }
    if (KNOWN_CARRIERS.contains(thread.tid())) {
      return true;
    }
    Thread live = platform.get(thread.tid());
    ThreadGroup group = live == null ? null : live.getThreadGroup();
    if (group != null && CARRIER_THREAD_GROUP.equals(group.getName())) {
      KNOWN_CARRIERS.add(thread.tid());
      return true;
    }
    return false;
  }

  private static boolean hasAllowedName(DumpedThread thread, List<String> allowed) {
    for (String prefix : allowed) {
      if (thread.name().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Every live platform thread by id; cheap, unlike {@link Thread#getAllStackTraces()}. */
  static Map<Long, Thread> platformThreads() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root != null && root.getParent() != null) {
      root = root.getParent();
    }
    if (root == null) {
      return Map.of();
    }
    Thread[] threads = new Thread[root.activeCount() + 32];
    int n;
    while ((n = root.enumerate(threads, true)) == threads.length) {
      threads = new Thread[threads.length * 2];
    }
    Map<Long, Thread> byId = new HashMap<>();
    for (int i = 0; i < n; i++) {
      byId.put(threads[i].threadId(), threads[i]);
    }
    return byId;
  }

  static String message(List<DumpedThread> leaked, long graceMillis) {
    StringBuilder sb = new StringBuilder();
    sb.append(leaked.size())
        .append(leaked.size() == 1 ? " thread" : " threads")
        .append(" started by this test ")
        .append(leaked.size() == 1 ? "is" : "are")
        .append(" still alive ")
        .append(graceMillis)
        .append(
            " ms after it ended: stop what the test starts (join the thread, close the"
                + " executor or client), or see @AllowThreadsNamed.");
    for (DumpedThread t : leaked) {
      sb.append("\n\n  \"")
          .append(t.name())
          .append("\" #")
          .append(t.tid())
          .append(t.virtual() ? " virtual " : " platform ")
          .append(t.state());
      if (!t.container().isEmpty() && !"<root>".equals(t.container())) {
        sb.append(" (in ").append(t.container()).append(')');
      }
      for (String frame : t.stack()) {
        sb.append("\n      at ").append(frame);
      }
    }
    return sb.toString();
  }

  private static List<String> allowedPrefixes(ExtensionContext context) {
    Set<String> prefixes = new LinkedHashSet<>();
    context.getTestMethod().ifPresent(m -> addAllowed(m, prefixes));
    for (Class<?> c = context.getTestClass().orElse(null); c != null; c = c.getEnclosingClass()) {
      addAllowed(c, prefixes);
    }
    return List.copyOf(prefixes);
  }

  private static void addAllowed(AnnotatedElement element, Set<String> prefixes) {
    Optional<AllowThreadsNamed> allow =
        AnnotationSupport.findAnnotation(element, AllowThreadsNamed.class);
    allow.ifPresent(
        a -> {
          for (String prefix : a.value()) {
            if (prefix.isEmpty()) {
              throw new IllegalArgumentException(
                  "@AllowThreadsNamed(\"\") on " + element + " would allow every thread");
            }
            prefixes.add(prefix);
          }
        });
  }

  private static long graceMillis(ExtensionContext context) {
    return context
        .getConfigurationParameter(GRACE_PARAMETER)
        .map(String::trim)
        .map(Long::parseLong)
        .orElse(DEFAULT_GRACE_MILLIS);
  }

  private static boolean enabled(ExtensionContext context) {
    boolean parallel =
        context
            .getConfigurationParameter("junit.jupiter.execution.parallel.enabled")
            .map(v -> Boolean.parseBoolean(v.trim()))
            .orElse(false);
    if (parallel) {
      if (WARNED_PARALLEL.compareAndSet(false, true)) {
        LOG.log(
            Level.WARNING,
            "NoThreadLeaks checks nothing: tests run in parallel, so a new thread cannot be"
                + " attributed to one test");
      }
      return false;
    }
    String track = System.getProperty("jdk.trackAllThreads");
    if (track != null
        && !track.isEmpty()
        && !Boolean.parseBoolean(track)
        && WARNED_UNTRACKED.compareAndSet(false, true)) {
      LOG.log(
          Level.WARNING,
          "NoThreadLeaks: -Djdk.trackAllThreads="
              + track
              + " hides virtual threads that no"
              + " executor started from thread dumps, so their leaks go unnoticed");
    }
    return true;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // Cleared on purpose: afterEach restores the caller's interrupt status when it is done.
      Thread.interrupted();
    }
  }

  private record Snapshot(Set<Long> threadIds, long nanos) {}
}
