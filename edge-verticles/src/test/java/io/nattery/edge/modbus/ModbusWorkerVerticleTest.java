package io.nattery.edge.modbus;

import io.nattery.edge.Addresses;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class ModbusWorkerVerticleTest {
  private static final int SENDERS = 10;
  private static final int PER_SENDER = 20;

  private Vertx vertx;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void setUp() {
    // blocking on an event loop shows up as a warning within 100 ms
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private static JsonObject config(String deviceId, int port, int timeoutMs) {
    return new JsonObject().put("device_id", deviceId).put("modbus", new JsonObject()
        .put("host", "127.0.0.1").put("port", port).put("unit_id", 1).put("timeout_ms", timeoutMs)
        .put("reconnect_initial_ms", 100).put("reconnect_max_ms", 400));
  }

  private Future<String> deployWorker(JsonObject config) {
    return vertx.deployVerticle(new ModbusWorkerVerticle(),
        new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.WORKER).setInstances(1));
  }

  /** Completes once the slave has started serving its first request. */
  private Future<Void> firstOnTheWire(RecordingSlave slave) {
    io.vertx.core.Promise<Void> started = io.vertx.core.Promise.promise();
    vertx.setPeriodic(2, id -> {
      if (!slave.served.isEmpty()) {
        vertx.cancelTimer(id);
        started.tryComplete();
      }
    });
    return started.future();
  }

  private static JsonObject read(int address, int count) {
    return new JsonObject().put("op", "read").put("address", address).put("count", count);
  }

  /** Fires its share of requests at once from its own event loop and keeps the replies in arrival order. */
  private static final class Sender extends VerticleBase {
    private final int index;
    private final String address;
    private final List<Integer> replies;
    private final Runnable onSent;
    private final Runnable onReply;

    Sender(int index, String address, List<Integer> replies, Runnable onSent, Runnable onReply) {
      this.index = index;
      this.address = address;
      this.replies = replies;
      this.onSent = onSent;
      this.onReply = onReply;
    }

    @Override
    public Future<?> start() {
      for (int k = 0; k < PER_SENDER; k++) {
        int register = 1000 + index * PER_SENDER + k;
        vertx.eventBus().<JsonObject>request(address, read(register, 1)).onComplete(reply -> {
          replies.add(reply.succeeded() ? reply.result().body().getJsonArray("registers").getInteger(0) : -register);
          onReply.run();
        });
        onSent.run();
      }
      return Future.succeededFuture();
    }
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void concurrentRequestsFromManyVerticlesGoOnTheWireOneAtATimeInArrivalOrder(VertxTestContext ctx) throws Exception {
    RecordingSlave slave = new RecordingSlave(5);
    closeables.add(slave);
    String address = Addresses.modbusRequest("dev-serial");
    Map<Integer, List<Integer>> repliesBySender = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger answeredWhenAllSent = new AtomicInteger(-1);
    Runnable onSent = () -> {
      if (sent.incrementAndGet() == SENDERS * PER_SENDER) {
        answeredWhenAllSent.set(answered.get());
      }
    };
    Runnable onReply = () -> {
      if (answered.incrementAndGet() == SENDERS * PER_SENDER) {
        ctx.verify(() -> {
          // the requests really were pending together: nearly all were sent before a handful were answered
          assertTrue(answeredWhenAllSent.get() >= 0 && answeredWhenAllSent.get() < 100,
              "answered when the last request left: " + answeredWhenAllSent.get());
          // then: never two requests at the slave at once, all 200 served and answered
          assertEquals(1, slave.maxInFlight.get(), "requests in flight at once");
          assertEquals(SENDERS * PER_SENDER, slave.served.size());
          for (int s = 0; s < SENDERS; s++) {
            List<Integer> expected = new ArrayList<>();
            for (int k = 0; k < PER_SENDER; k++) {
              expected.add(1000 + s * PER_SENDER + k);
            }
            int sender = s;
            // each sender's requests reached the wire, and came back, in the order it sent them
            assertEquals(expected, slave.served.stream().filter(a -> (a - 1000) / PER_SENDER == sender).toList());
            assertEquals(expected, repliesBySender.get(s), "replies of sender " + s);
          }
        });
        ctx.completeNow();
      }
    };

    // given: one worker; when: ten verticles on several event loops fire twenty requests each, all at once
    deployWorker(config("dev-serial", slave.port(), 2000))
        .compose(id -> {
          List<Future<String>> senders = new ArrayList<>();
          for (int s = 0; s < SENDERS; s++) {
            List<Integer> replies = Collections.synchronizedList(new ArrayList<>());
            repliesBySender.put(s, replies);
            senders.add(vertx.deployVerticle(new Sender(s, address, replies, onSent, onReply)));
          }
          return Future.all(senders);
        })
        .onFailure(ctx::failNow);
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aCommandWaitsForTheTransactionOnTheWireOnlyNotForQueuedPolls(VertxTestContext ctx) throws Exception {
    // given a device that takes 200 ms per request, and ten polls queued at the worker
    RecordingSlave slave = new RecordingSlave(200);
    closeables.add(slave);
    String address = Addresses.modbusRequest("dev-priority");
    deployWorker(config("dev-priority", slave.port(), 2000))
        .compose(id -> {
          List<Future<?>> all = new ArrayList<>();
          for (int k = 0; k < 10; k++) {
            all.add(vertx.eventBus().request(address, read(2000 + k, 1)));
          }
          // when a command arrives while the first poll is on the wire
          return firstOnTheWire(slave).compose(t -> {
            all.add(vertx.eventBus().request(address, read(3000, 1).put("priority", "command")));
            return Future.all(all);
          });
        })
        .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
          // then it goes out right after that one poll, before the nine still queued
          assertEquals(List.of(2000, 3000), slave.served.subList(0, 2), "served: " + slave.served);
          assertEquals(11, slave.served.size());
          ctx.completeNow();
        })));
  }

  @Test
  void theRecorderDoesSeeConcurrencyWhenTwoLinksExist() throws Exception {
    // the control of the test above: two links, as two consumers would have, overlap at the slave
    RecordingSlave slave = new RecordingSlave(5);
    closeables.add(slave);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread thread = new Thread(() -> {
        TcpModbusTransport link = new TcpModbusTransport("127.0.0.1", slave.port(), 1, 2000);
        try {
          link.connect();
          for (int i = 0; i < 30; i++) {
            link.readHoldingRegisters(100 + i, 1);
          }
        } catch (ModbusFailure e) {
          throw new IllegalStateException(e);
        } finally {
          link.close();
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(10_000);
    }

    assertEquals(60, slave.served.size());
    assertTrue(slave.maxInFlight.get() >= 2, "max in flight " + slave.maxInFlight.get());
  }

  @Test
  @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
  void aSecondConsumerOnTheAddressIsRefused(VertxTestContext ctx) throws Exception {
    RecordingSlave slave = new RecordingSlave(0);
    closeables.add(slave);
    JsonObject config = config("dev-once", slave.port(), 1000);

    deployWorker(config)
        .compose(first -> ctx.assertFailure(deployWorker(config))
            .recover(second -> {
              ctx.verify(() -> assertTrue(second.getMessage().contains("already consumes edge.dev-once.modbus.request"),
                  second.getMessage()));
              // two instances in one deployment are two consumers as well
              return ctx.assertFailure(vertx.deployVerticle(() -> new ModbusWorkerVerticle(), new DeploymentOptions()
                  .setConfig(config("dev-twice", slave.port(), 1000))
                  .setThreadingModel(ThreadingModel.WORKER).setInstances(2))).mapEmpty();
            })
            .recover(twice -> ctx.assertFailure(vertx.deployVerticle(new ModbusWorkerVerticle(),
                new DeploymentOptions().setConfig(config("dev-loop", slave.port(), 1000)))).mapEmpty())
            .recover(onEventLoop -> {
              ctx.verify(() -> assertTrue(onEventLoop.getMessage().contains("ThreadingModel.WORKER"), onEventLoop.getMessage()));
              // the refused attempts released what they had claimed, and undeploying frees the address
              return deployWorker(config("dev-twice", slave.port(), 1000));
            })
            .compose(twiceAlone -> vertx.undeploy(first))
            .compose(v -> deployWorker(config)))
        .compose(again -> vertx.eventBus().<JsonObject>request(Addresses.modbusRequest("dev-once"), read(7, 2)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(new JsonArray().add(7).add(8), reply.body().getJsonArray("registers"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
  void failuresAreAnsweredWithTheirCodeAndAClearTextAndCounted(VertxTestContext ctx) throws Exception {
    RecordingSlave slave = new RecordingSlave(0);
    closeables.add(slave);
    String address = Addresses.modbusRequest("dev-errors");

    deployWorker(config("dev-errors", slave.port(), 1000))
        .compose(id -> expectFailure(address, read(60000, 2), 2, "modbus exception 2 (illegal data address) reading 2 registers at 60000"))
        .compose(v -> expectFailure(address, new JsonObject().put("op", "erase"), 400, "unknown op 'erase'"))
        .compose(v -> expectFailure(address, read(0, 126), 400, "'count' (1..125)"))
        .compose(v -> expectFailure(address, new JsonObject().put("op", "write").put("address", 1).put("values", new JsonArray().add(70000)),
            400, "values[0] is not a 16-bit word"))
        .compose(v -> expectFailure(address, "read 1 2", 400, "must be a JSON object"))
        .compose(v -> vertx.eventBus().<JsonObject>request(address, new JsonObject().put("op", "write").put("address", 5)
            .put("values", new JsonArray().add(1).add(2))))
        .compose(written -> {
          ctx.verify(() -> assertEquals(2, written.body().getInteger("written")));
          return vertx.eventBus().<JsonObject>request(address, read(10, 1));
        })
        .compose(ok -> vertx.eventBus().<JsonObject>request(address, new JsonObject().put("op", "stats")))
        .onComplete(ctx.succeeding(stats -> ctx.verify(() -> {
          JsonObject body = stats.body();
          assertEquals(3, body.getLong("requests"), "transactions that reached the link");
          assertEquals(5, body.getLong("errors"), "one exception response and four bad requests");
          assertEquals(1, body.getLong("exception_responses"));
          assertEquals(0, body.getLong("timeouts"));
          assertTrue(body.getString("last_ok_ts") != null);
          ctx.completeNow();
        })));
  }

  private Future<Void> expectFailure(String address, Object request, int code, String text) {
    return vertx.eventBus().request(address, request).transform(result -> {
      if (result.succeeded()) {
        return Future.failedFuture("expected failure " + code + " for " + request + ", got " + result.result().body());
      }
      if (!(result.cause() instanceof ReplyException reply) || reply.failureCode() != code || !reply.getMessage().contains(text)) {
        return Future.failedFuture("expected " + code + " '" + text + "' for " + request + ", got " + result.cause());
      }
      return Future.succeededFuture();
    });
  }

  @Test
  @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
  void aSilentDeviceTimesOutOnceWithoutRetriesOnTheWire(VertxTestContext ctx) throws Exception {
    // a TCP peer that accepts and never answers
    ServerSocket silent = new ServerSocket(0);
    closeables.add(silent);
    List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(silent.accept());
        }
      } catch (java.io.IOException closed) {
        // test over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    String address = Addresses.modbusRequest("dev-silent");
    long[] t0 = new long[1];

    deployWorker(config("dev-silent", silent.getLocalPort(), 300))
        .compose(id -> {
          t0[0] = System.nanoTime();
          return expectFailure(address, read(0, 1), ModbusFailure.TIMEOUT, "timeout after 300 ms reading 1 registers at 0");
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          long ms = (System.nanoTime() - t0[0]) / 1_000_000;
          assertTrue(ms >= 250 && ms < 1500, "one try of 300 ms, not j2mod's five: " + ms + " ms");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void aLostLinkIsReportedAndReopenedWhenTheDeviceComesBack(VertxTestContext ctx) throws Exception {
    InverterSimulator first = new InverterSimulator(SimulatorConfig.defaults("dev-link")).start();
    int port = first.port();
    InverterSimulator[] second = new InverterSimulator[1];
    closeables.add(() -> {
      first.stop();
      if (second[0] != null) {
        second[0].stop();
      }
    });
    String address = Addresses.modbusRequest("dev-link");

    deployWorker(config("dev-link", port, 500))
        .compose(id -> vertx.eventBus().<JsonObject>request(address, read(40070, 1)))
        .compose(ok -> {
          first.stop();
          return vertx.eventBus().request(address, read(40070, 1)).transform(lost -> {
            ctx.verify(() -> {
              assertTrue(lost.failed(), "a read from a stopped device must fail");
              int code = ((ReplyException) lost.cause()).failureCode();
              assertTrue(code == ModbusFailure.IO_ERROR || code == ModbusFailure.NOT_CONNECTED, lost.cause().toString());
            });
            return Future.succeededFuture();
          });
        })
        // the retries of the failed read already tried to reconnect: this one is refused by the reconnect backoff or the connect
        .compose(v -> expectFailure(address, read(40070, 1), ModbusFailure.NOT_CONNECTED, "tcp://127.0.0.1:" + port))
        .compose(v -> vertx.executeBlocking(() -> second[0] = new InverterSimulator(
            SimulatorConfig.defaults("dev-link").withPort(port)).start()))
        .compose(v -> retryRead(address, 40))
        .compose(reply -> {
          ctx.verify(() -> assertEquals(103, reply.body().getJsonArray("registers").getInteger(0)));
          return vertx.eventBus().<JsonObject>request(address, new JsonObject().put("op", "stats"));
        })
        .onComplete(ctx.succeeding(stats -> ctx.verify(() -> {
          assertEquals(1, stats.body().getLong("reconnects"));
          ctx.completeNow();
        })));
  }

  private Future<Message<JsonObject>> retryRead(String address, int attempts) {
    return vertx.eventBus().<JsonObject>request(address, read(40070, 1)).recover(e -> {
      if (attempts <= 1) {
        return Future.failedFuture(e);
      }
      return vertx.timer(100).compose(t -> retryRead(address, attempts - 1));
    });
  }
}
