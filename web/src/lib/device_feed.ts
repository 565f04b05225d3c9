import { applyMessage, sortDevices } from './devices';
import { LiveFeed } from './feed';
import type { Device } from './types';

export interface DeviceFeedOptions {
  /** Fetches the full list (GET /api/v1/devices). */
  load: () => Promise<Device[]>;
  onDevices: (devices: Device[]) => void;
  onError: (error: unknown) => void;
}

/** The device table's data: the devices sorted, kept current by `device.*` messages (see LiveFeed). */
export class DeviceFeed extends LiveFeed<Device> {
  constructor(options: DeviceFeedOptions) {
    super({ load: options.load, prepare: sortDevices, apply: applyMessage, onItems: options.onDevices, onError: options.onError });
  }
}
