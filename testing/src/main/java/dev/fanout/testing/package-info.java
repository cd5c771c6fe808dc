/**
 * Test support shared by every module of fanout.
 *
 * <ul>
 *   <li>{@link dev.fanout.testing.NoThreadLeaks}: a JUnit extension, registered for every test
 *       through the service loader, that fails a test leaving a thread of its own alive.
 *   <li>{@link dev.fanout.testing.AllowThreadsNamed}: the escape hatch for the rare test that must
 *       leave one.
 *   <li>{@link dev.fanout.testing.LoopbackServers}: a loopback server that never answers, to test
 *       timeouts and cancellation of blocked network calls.
 * </ul>
 */
package dev.fanout.testing;
