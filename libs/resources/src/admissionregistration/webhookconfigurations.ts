/** admissionregistration.k8s.io/v1 validating- and mutatingwebhookconfigurations (storage, defaults, validation). */
import { ResourceDefinition } from '../../../registry/src/resource';
import { objs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { defaultWebhook, validateWebhookConfiguration } from './webhook-validation';

function webhookConfigurationDefinition(mutating: boolean): ResourceDefinition {
  const kind = mutating ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced: false,
    categories: ['api-extensions'],
    modelType: `V1${kind}`,
    tracksGeneration: true,
    strategy: {
      default: (cfg) => {
        for (const hook of objs(cfg.webhooks)) defaultWebhook(hook, mutating);
      },
      validate: (cfg) => validateWebhookConfiguration(cfg.webhooks, mutating),
    },
    table: {
      columns: [nameColumn(), column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), ageColumn()],
      cells: (cfg, now) => [cfg.metadata.name ?? '', objs(cfg.webhooks).length, translateTimestampSince(cfg.metadata.creationTimestamp, now)],
    },
  };
}

export function validatingWebhookConfigurationsDefinition(): ResourceDefinition {
  return webhookConfigurationDefinition(false);
}

export function mutatingWebhookConfigurationsDefinition(): ResourceDefinition {
  return webhookConfigurationDefinition(true);
}
