#!/usr/bin/python3
"""A Modbus RTU slave from pymodbus (Debian's python3-pymodbus 3.0), the outside peer of the edge's tests.

Serves holding registers 40000..40199 on a serial port (one end of a socat pty pair). Initial values come
from a JSON file {"address": word, ...}. Every write is printed as one line "WRITE <address> <w1> <w2> ..."
on stdout (flushed), so a test can check what reached the device. Faults on demand:
  --slow-every N --slow-ms M   every Nth read is answered M ms late
  --reject-writes A            a write touching address A gets exception 2 (illegal data address)
"""
import argparse
import asyncio
import json
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server.async_io import StartAsyncSerialServer
from pymodbus.transaction import ModbusRtuFramer

BASE = 40000
SIZE = 200


class FaultyBlock(ModbusSequentialDataBlock):
    def __init__(self, values, slow_every, slow_ms):
        super().__init__(BASE, values)
        self.reads = 0
        self.slow_every = slow_every
        self.slow_ms = slow_ms

    def getValues(self, address, count=1):
        self.reads += 1
        if self.slow_every and self.reads % self.slow_every == 0:
            # blocks the server's only loop, as a slow device blocks its only line
            time.sleep(self.slow_ms / 1000.0)
        return super().getValues(address, count)

    def setValues(self, address, values):
        if not isinstance(values, list):
            values = [values]
        print("WRITE %d %s" % (address, " ".join(str(v) for v in values)), flush=True)
        super().setValues(address, values)


class RejectingContext(ModbusSlaveContext):
    def __init__(self, reject, **kwargs):
        super().__init__(**kwargs)
        self.reject = reject

    def validate(self, fc_as_hex, address, count=1):
        if self.reject is not None and fc_as_hex in (6, 16) and address <= self.reject < address + count:
            return False
        return super().validate(fc_as_hex, address, count)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True)
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--unit", type=int, default=1)
    parser.add_argument("--values")
    parser.add_argument("--slow-every", type=int, default=0)
    parser.add_argument("--slow-ms", type=int, default=0)
    parser.add_argument("--reject-writes", type=int)
    args = parser.parse_args()
    words = [0] * SIZE
    if args.values:
        with open(args.values) as f:
            for address, word in json.load(f).items():
                words[int(address) - BASE] = int(word)
    block = FaultyBlock(words, args.slow_every, args.slow_ms)
    slave = RejectingContext(args.reject_writes, hr=block, zero_mode=True)
    context = ModbusServerContext(slaves={args.unit: slave}, single=False)
    print("READY %s" % args.port, flush=True)
    asyncio.run(StartAsyncSerialServer(context=context, framer=ModbusRtuFramer, port=args.port,
                                       baudrate=args.baud, bytesize=8, parity="N", stopbits=1, timeout=0.05))


if __name__ == "__main__":
    sys.exit(main())
