export { ConsumerCheckpointEntity } from './consumer-checkpoint.entity.ts';
export { DeadLetterEntity } from './dead-letter.entity.ts';
export { SignalEventEntity } from './signal-event.entity.ts';
export { SignalEntity } from './signal.entity.ts';
import { ConsumerCheckpointEntity } from './consumer-checkpoint.entity.ts';
import { DeadLetterEntity } from './dead-letter.entity.ts';
import { SignalEventEntity } from './signal-event.entity.ts';
import { SignalEntity } from './signal.entity.ts';
export const ENTITIES = [SignalEntity, SignalEventEntity, DeadLetterEntity, ConsumerCheckpointEntity];
