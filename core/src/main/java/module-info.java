/**
 * fanout's primitives for the three shapes of concurrent work: {@link dev.fanout.Batch}
 * (collect-all), {@link dev.fanout.TaskGroup} (fail-fast), and {@link dev.fanout.Channel}, {@link
 * dev.fanout.Select} and {@link dev.fanout.RateLimiter} (pipeline). No dependencies beyond {@code
 * java.base}; one exported package.
 */
module dev.fanout {
  exports dev.fanout;
}
