package io.nattery.cloud.demo;

import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;

/**
 * A real PostgreSQL (zonky's binaries) on a free local port, data in a temporary directory removed on close.
 * PostgreSQL refuses to run as root; the {@code nattery} launcher runs the demo as an unprivileged user.
 */
final class EmbeddedDatabase implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  EmbeddedDatabase() throws IOException {
    postgres = EmbeddedPostgres.builder()
      .setCleanDataDirectory(true)
      .setPGStartupWait(Duration.ofSeconds(30))
      .setOutputRedirector(Redirect.DISCARD)
      .setErrorRedirector(Redirect.DISCARD)
      .setServerConfig("listen_addresses", "127.0.0.1")
      .start();
  }

  /** The configuration object the cloud's {@code postgres} section expects. */
  JsonObject config() {
    return new JsonObject()
      .put("host", "127.0.0.1")
      .put("port", postgres.getPort())
      .put("database", "postgres")
      .put("user", "postgres")
      .put("pool_size", 4);
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
