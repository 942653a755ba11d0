/** Column definitions shared by the tables (descriptions are our own short texts). */
import { TableColumn } from '../../../registry/src/resource';

export function nameColumn(): TableColumn {
  return { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
}

export function ageColumn(): TableColumn {
  return { name: 'Age', type: 'string', description: 'Time since the object was created.', priority: 0 };
}

export function column(name: string, type: TableColumn['type'], description: string, priority = 0): TableColumn {
  return { name, type, description, priority };
}

export function containersColumn(): TableColumn {
  return column('Containers', 'string', 'Names of the containers in the pod template.', 1);
}

export function imagesColumn(): TableColumn {
  return column('Images', 'string', 'Images used by the containers in the pod template.', 1);
}
