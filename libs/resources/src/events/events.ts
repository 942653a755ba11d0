/**
 * events.k8s.io/v1 events: served in the events.k8s.io shape, stored as core/v1 Events under the
 * same /events prefix, validated strictly (on the core form, as upstream validates the internal type).
 */
import { ResourceDefinition } from '../../../registry/src/resource';
import { eventsV1Fields } from '../core/events/fields';
import { normalizeEventsV1 } from '../core/events/shape';
import { eventTable } from '../core/events/table';
import { validateEventCreate, validateEventUpdate } from '../core/events/validation';
import { asCoreEvent, eventsV1Conversion } from './conversion';

export function eventsV1Definition(): ResourceDefinition {
  return {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
    storagePrefix: 'events',
    nameValidation: 'dns1123Subdomain',
    modelType: 'EventsV1Event',
    conversion: eventsV1Conversion,
    strategy: {
      default: (ev) => void normalizeEventsV1(ev),
      validate: (ev) => validateEventCreate(asCoreEvent(ev), true),
      validateUpdate: (ev, old) => validateEventUpdate(asCoreEvent(ev), asCoreEvent(old), true),
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    },
    table: eventTable(asCoreEvent),
    selectableFields: (ev) => eventsV1Fields(asCoreEvent(ev)),
  };
}
