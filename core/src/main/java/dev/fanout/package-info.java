/**
 * The three shapes of concurrent work, each with its own primitive and exact semantics, on virtual
 * threads and Java 21 with no dependencies.
 *
 * <h2>Which shape?</h2>
 *
 * Three questions, in order, before you start a thread:
 *
 * <ol>
 *   <li><b>When one job fails, do you still want the others' results?</b> Yes: collect-all, {@link
 *       dev.fanout.Batch}. No, one failure makes the whole answer wrong: fail-fast, {@link
 *       dev.fanout.TaskGroup}.
 *   <li><b>Do the threads hand values to each other, or only run side by side?</b> Handing values
 *       over is a pipeline: {@link dev.fanout.Channel}. Side by side: one of the two above.
 *   <li><b>Must a fast producer wait for slow consumers?</b> Then you want back-pressure: a bounded
 *       {@code Channel}, drained by a {@code Batch} (a worker pool) or by your own threads.
 * </ol>
 *
 * <table class="striped">
 *   <caption>The shapes and their primitives</caption>
 *   <thead>
 *     <tr><th scope="col">you want</th><th scope="col">use</th><th scope="col">Go</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>every result that came back, and the list of what failed</td>
 *         <td>{@link dev.fanout.Batch#of Batch.of(items)}</td>
 *         <td>{@code sync.WaitGroup} + {@code errors.Join}</td></tr>
 *     <tr><td>one error, fast, and the other calls cancelled</td>
 *         <td>{@link dev.fanout.TaskGroup}</td><td>{@code errgroup.WithContext}</td></tr>
 *     <tr><td>values flowing between threads with back-pressure</td>
 *         <td>{@link dev.fanout.Channel}, {@link dev.fanout.Select}</td>
 *         <td>channels and {@code select}</td></tr>
 *     <tr><td>N workers over a queue, at most R calls a second, every outcome kept</td>
 *         <td>{@link dev.fanout.Batch#from(dev.fanout.Channel) Batch.from(channel)} with a
 *             {@link dev.fanout.RateLimiter}</td>
 *         <td>a worker pool over a channel + {@code x/time/rate}</td></tr>
 *     <tr><td>the same pool, stopping at the first failure</td>
 *         <td>{@code TaskGroup} workers receiving from the channel (below)</td>
 *         <td>{@code errgroup} workers ranging over a channel</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Picking the wrong one is the bug this library started from: a batch of 1,000 translations ran
 * under a fail-fast group, one tenant was rate-limited, the group cancelled everything, 999
 * finished translations were thrown away, and the retry paid for all 1,000 again.
 *
 * <p>A fail-fast pool needs no type of its own: workers forked in a {@code TaskGroup} receive from
 * the channel, and the first failure interrupts the others.
 *
 * {@snippet class=dev.fanout.Snippets region=fail-fast-pool}
 *
 * <h2>The contract every shape keeps</h2>
 *
 * <ol>
 *   <li><b>Structured.</b> When {@code run}, {@code join} or {@code close} returns or throws, every
 *       thread it started has ended.
 *   <li><b>Cancellation is interruption</b>, and a cancelled task's own interruption is never
 *       reported as the failure.
 *   <li><b>Nothing completed is lost.</b> A batch that times out or whose caller is interrupted
 *       still returns every finished outcome.
 *   <li><b>Errors are not swallowed.</b> An {@link java.lang.Error} from a task stops the shape and
 *       is rethrown as itself once every thread has ended.
 *   <li><b>First failure is the cause, the rest suppressed</b> ({@link
 *       dev.fanout.FailedException}), or every failure kept per item, in input order ({@link
 *       dev.fanout.BatchResult}).
 *   <li><b>No pinning:</b> no {@code synchronized} anywhere in this package.
 *   <li><b>Back-pressure:</b> a producer waits when consumers are slow; a streaming batch holds at
 *       most {@link dev.fanout.Batch#maxHeld(int)} items, however long its source.
 * </ol>
 *
 * <h2>Configuration</h2>
 *
 * Every configuration is an immutable value whose setters return copies: {@link dev.fanout.Batch},
 * {@link dev.fanout.TaskGroup.Config}, {@link dev.fanout.RetryPolicy}. The width of a fan-out is
 * called {@code concurrency} everywhere.
 *
 * <h2>Decisions</h2>
 *
 * The reasons behind the design, including the rejected alternatives, are in the repository's
 * {@code docs/adr/}: one worker per slot (0001), interrupts aimed at attempts (0002), {@code join}
 * throwing {@code InterruptedException} (0003), the channel as one lock and a ring (0004), the rate
 * limiter as a token bucket (0005), and one engine and one configuration style with a budget of 20
 * public types (0009).
 */
package dev.fanout;
