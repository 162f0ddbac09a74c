import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { channelParser, productRoom, type Realtime, type ServerEventName, type ServerEvents, userRoom } from './realtime.js';

/**
 * Realtime over Redis pub/sub (@socket.io/redis-emitter): an event is published once on the
 * channel the Socket.IO Redis adapter of every API instance listens to, and each instance hands it
 * to its own sockets in the room. Every process uses it the same way, the API included, so an
 * event reaches a user's sockets whichever instance they are connected to.
 */
export class RedisEmitterRealtime implements Realtime {
  private readonly emitter: Emitter;

  constructor(redis: Pick<Redis, 'publish'>, channelPrefix: string, logger: Logger) {
    // The emitter publishes without awaiting; a failure must be logged, not left as an unhandled
    // rejection (which would take the process down).
    const publisher = {
      publish: (channel: string, message: string) =>
        redis.publish(channel, message).catch((error: unknown) => {
          logger.warn({ err: error, channel }, 'a real-time event could not be published; clients catch up when they reconnect');
          return 0;
        }),
    };
    this.emitter = new Emitter(publisher, { key: channelPrefix, parser: channelParser });
  }

  emitToUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEvents[E]): void {
    this.emitter.to(userRoom(userId)).emit(event, payload);
  }

  emitToProduct<E extends ServerEventName>(sku: string, event: E, payload: ServerEvents[E]): void {
    this.emitter.to(productRoom(sku)).emit(event, payload);
  }
}
