package io.nattery.cloud.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nattery}: the one launcher of PROTOCOL.md's CLI table. Exit codes: 0 done, 1 could not start
 * (a port taken, a service missing), 2 bad usage or a command not in this build, 3 no data.
 */
@Command(name = "nattery", mixinStandardHelpOptions = true, versionProvider = NatteryCli.Version.class,
  description = "Run a fleet of batteries as one trading asset.",
  subcommands = {
    DemoCommand.class,
    CloudCommand.class,
    EdgeCommand.class,
    TailCommand.class,
    PricesCommand.class,
    BacktestCommand.class,
    SimulateCommand.class,
    BrokerFilesCommand.class,
  })
public final class NatteryCli implements Runnable {

  /** Set by a command that started a service: the JVM then lives on until it is stopped. */
  static volatile boolean serving;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code;
    try {
      code = new CommandLine(new NatteryCli()).execute(args);
    } catch (Throwable e) {
      // An Error escapes picocli; without this the JVM would live on in Vert.x's threads.
      System.err.println("nattery: " + e);
      code = 1;
    }
    if (code != 0 || !serving) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = NatteryCli.class.getPackage().getImplementationVersion();
      return new String[] {"nattery " + (version == null ? "dev" : version)};
    }
  }
}
