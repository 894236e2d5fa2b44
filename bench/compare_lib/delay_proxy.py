#!/usr/bin/python3
"""A TCP proxy on loopback that delays every byte by a fixed time in each direction, so that a
client sees the round-trip time of a distant server (this kernel has no netem).

    delay_proxy.py TARGET_PORT ONE_WAY_DELAY_MS

Listens on 127.0.0.1 on a free port, prints "port=N" once it accepts, and forwards each
connection to 127.0.0.1:TARGET_PORT. Whatever arrives from one side is written to the other
ONE_WAY_DELAY_MS later, in order; bandwidth is not limited. A round trip therefore costs
2 x ONE_WAY_DELAY_MS more than on loopback. Runs until killed.
"""

import asyncio
import sys


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float):
    loop = asyncio.get_running_loop()
    # Delivery times only grow, so a queue drained by one task keeps the order.
    queue: asyncio.Queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(1 << 18)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
        await sender
    except (ConnectionError, asyncio.CancelledError):
        sender.cancel()
        writer.close()


async def main():
    target_port = int(sys.argv[1])
    delay = float(sys.argv[2]) / 1000.0

    async def on_client(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, delay),
                             pipe(server_reader, client_writer, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
