import { applyMessage, applyMessages, sortDevices } from './devices';
import type { Device, ServerMessage } from './types';

export interface DeviceFeedOptions {
  /** Fetches the full list (GET /api/v1/devices). */
  load: () => Promise<Device[]>;
  onDevices: (devices: Device[]) => void;
  onError: (error: unknown) => void;
}

/**
 * The device table's data: a full load, kept current by live messages. A `hello` (every
 * (re)connect) triggers a reload, because messages sent while disconnected are lost. Messages
 * that arrive while a load is in flight are applied at once and again on top of the loaded
 * list, so neither a stale list nor a lost event wins.
 */
export class DeviceFeed {
  private readonly options: DeviceFeedOptions;
  private devices: Device[] = [];
  /** Messages received since the newest load started; null while no load is in flight. */
  private sinceLoadStarted: ServerMessage[] | null = null;
  private loadSeq = 0;

  constructor(options: DeviceFeedOptions) {
    this.options = options;
  }

  get current(): readonly Device[] {
    return this.devices;
  }

  async reload(): Promise<void> {
    const seq = ++this.loadSeq;
    this.sinceLoadStarted = [];
    let loaded: Device[];
    try {
      loaded = await this.options.load();
    } catch (error) {
      if (seq === this.loadSeq) {
        this.sinceLoadStarted = null;
        this.options.onError(error);
      }
      return;
    }
    if (seq !== this.loadSeq) return;  // A newer load is in flight; it decides.
    this.devices = applyMessages(sortDevices(loaded), this.sinceLoadStarted ?? []);
    this.sinceLoadStarted = null;
    this.options.onDevices(this.devices);
  }

  /** Applies one live message; returns the reload it started, if any. */
  handle(message: ServerMessage): Promise<void> | undefined {
    if (message.type === 'hello') return this.reload();
    if (message.type === 'pong') return undefined;
    this.sinceLoadStarted?.push(message);
    this.devices = applyMessage(this.devices, message);
    this.options.onDevices(this.devices);
    return undefined;
  }
}
