package io.nattery.edge.simulator;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;

import java.time.Instant;
import java.util.List;

/** The simulated inverter's state after its latest step, as the physics has it (before register rounding). */
public record SimulatorSnapshot(String deviceId, Instant simulatedTime, long steps, double socPct, double batteryPowerW,
    double pvPowerW, double loadPowerW, double gridPowerW, double batteryVoltageV,
    double batteryTempC, InverterState inverterState, Mode mode, double setpointW,
    List<String> alarms) {
}
