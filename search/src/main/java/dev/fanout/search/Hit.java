package dev.fanout.search;

import java.util.Objects;

/**
 * One search result from a backend: the backend protocol's minimum is {@code id} and {@code title}.
 *
 * @param id the result's id within its backend
 * @param title what to show
 * @param snippet a short excerpt around the match, or empty
 */
public record Hit(String id, String title, String snippet) {
  /** Checks that nothing is null. */
  public Hit {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(snippet, "snippet");
  }
}
