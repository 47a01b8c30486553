package io.nattery.cloud.cli;

import io.nattery.cloud.db.Database;
import io.nattery.cloud.db.Migrations;
import io.nattery.cloud.registry.BrokerFiles;
import io.nattery.cloud.registry.BrokerLogins;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code broker-files --conf FILE [--out DIR] [--acl-template FILE]}: writes Mosquitto's {@code passwords} and
 * {@code acl} from the registry of the configuration's PostgreSQL, then prints
 * {@code {"dir","logins","shadowed"}}. The broker takes them on SIGHUP. The registry's migrations are applied
 * first, as a node does at start, so that the broker's first files can be made before any node ran. Exit 1 when the registry or a secret could
 * not be read, 2 on bad usage.
 */
@Command(name = "broker-files", description = "Write Mosquitto's password file and ACL from the device registry.")
final class BrokerFilesCommand implements Callable<Integer> {

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--conf", required = true, description = "the cloud configuration: its postgres, mqtt and "
    + "broker_files blocks")
  Path conf;

  @Option(names = "--out", description = "the directory to write to (default: broker_files.dir)")
  Path out;

  @Option(names = "--acl-template", description = "the ACL template (default: broker_files.acl_template, else "
    + BrokerLogins.DEFAULT_TEMPLATE + ")")
  Path aclTemplate;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    JsonObject config;
    try {
      config = ConfigFile.read(conf).copy();
    } catch (IllegalArgumentException e) {
      err.println("nattery: " + e.getMessage());
      return 2;
    }
    JsonObject settings = config.getJsonObject("broker_files", new JsonObject());
    config.put("broker_files", settings);
    if (aclTemplate != null) {
      settings.put("acl_template", aclTemplate.toString());
    }
    String dir = out != null ? out.toString() : settings.getString("dir");
    if (dir == null) {
      err.println("nattery: name the directory with --out or broker_files.dir");
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = Database.pool(vertx, config.getJsonObject("postgres", new JsonObject()));
    try {
      BrokerFiles.Contents written = Migrations.apply(pool)
        .compose(applied -> BrokerLogins.write(vertx, pool, config, Path.of(dir)))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      for (String device : written.shadowed()) {
        err.println("nattery: device " + device + " left out: a service login has its name");
      }
      spec.commandLine().getOut().println(new JsonObject().put("dir", dir).put("logins", written.logins())
        .put("shadowed", new JsonArray(written.shadowed())).encode());
      return 0;
    } catch (ExecutionException e) {
      // messages name the secret's setting, never its value
      err.println("nattery: broker files not written: " + e.getCause().getMessage());
      return 1;
    } finally {
      // one after the other from this thread: closing Vert.x from its own event loop would never complete
      pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
