package dev.fanout.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lets a test leave threads alive whose names start with one of the given prefixes, which {@link
 * NoThreadLeaks} would otherwise report as leaked.
 *
 * <p>Use it sparingly and say why next to it: almost every test can and should stop what it starts
 * (close the executor, the {@code HttpClient}, the server; join the thread). It is meant for the
 * rare test that exercises something whose thread outlives it by design, such as a library's lazily
 * started, process-wide daemon thread.
 *
 * <p>On a method it applies to that test; on a class to every test in it, in its subclasses and in
 * its {@code @Nested} classes. Prefixes from the method and its enclosing classes add up.
 *
 * <pre>{@code
 * @Test
 * @AllowThreadsNamed("Keep-Alive-Timer") // HttpURLConnection's process-wide keep-alive cache
 * void legacyClient() { ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface AllowThreadsNamed {

  /**
   * Thread name prefixes to tolerate; {@code ""} would tolerate every thread and is rejected.
   *
   * @return the prefixes
   */
  String[] value();
}
