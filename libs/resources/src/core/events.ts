/** core/v1 events: legacy validation only, PUT may create, stored under /events. */
import { ResourceDefinition } from '../../../registry/src/resource';
import { coreEventFields } from './events/fields';
import { normalizeCoreEvent } from './events/shape';
import { eventTable } from './events/table';
import { legacyValidateEvent, validateEventUpdate } from './events/validation';

export function coreEventsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
    storagePrefix: 'events',
    // core/v1 events skip strict metadata validation: the name only has to be a path segment
    nameValidation: 'pathSegment',
    modelType: 'CoreV1Event',
    strategy: {
      default: (ev) => void normalizeCoreEvent(ev),
      validate: legacyValidateEvent,
      validateUpdate: (ev, old) => validateEventUpdate(ev, old, false),
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    },
    table: eventTable(),
    selectableFields: coreEventFields,
  };
}
