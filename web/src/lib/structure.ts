import type { Department, Team } from './types';

export interface DepartmentNode {
  department: Department;
  depth: number;
}

/**
 * The departments in tree order (each parent before its children, siblings by name), with
 * their depth. Departments whose parent is missing are shown as roots; a cycle in the data
 * cannot loop (each department appears once).
 */
export function departmentTree(departments: readonly Department[]): DepartmentNode[] {
  const byName = (a: Department, b: Department) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id - b.id;
  const ids = new Set(departments.map((department) => department.id));
  const children = new Map<number | null, Department[]>();
  for (const department of departments) {
    const parent = department.parent_id !== null && ids.has(department.parent_id) ? department.parent_id : null;
    const list = children.get(parent) ?? [];
    list.push(department);
    children.set(parent, list);
  }
  const result: DepartmentNode[] = [];
  const seen = new Set<number>();
  const visit = (parent: number | null, depth: number) => {
    for (const department of [...(children.get(parent) ?? [])].sort(byName)) {
      if (seen.has(department.id)) continue;
      seen.add(department.id);
      result.push({ department, depth });
      visit(department.id, depth + 1);
    }
  };
  visit(null, 0);
  // Members of a cycle have no root above them: list them at the top level.
  for (const department of [...departments].sort(byName)) {
    if (!seen.has(department.id)) {
      seen.add(department.id);
      result.push({ department, depth: 0 });
      visit(department.id, 1);
    }
  }
  return result;
}

/** `departmentId` and every department below it. */
export function subtreeIds(departments: readonly Department[], departmentId: number): Set<number> {
  const result = new Set<number>([departmentId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const department of departments) {
      if (department.parent_id !== null && result.has(department.parent_id) && !result.has(department.id)) {
        result.add(department.id);
        grew = true;
      }
    }
  }
  return result;
}

/** The departments `departmentId` may move under: all but itself and its descendants. */
export function parentChoices(departments: readonly Department[], departmentId: number): Department[] {
  const excluded = subtreeIds(departments, departmentId);
  return departments.filter((department) => !excluded.has(department.id));
}

/** "Engineering / Platform" for a department, from the root down. */
export function departmentPath(departments: readonly Department[], departmentId: number | null): string {
  const byId = new Map(departments.map((department) => [department.id, department]));
  const names: string[] = [];
  const seen = new Set<number>();
  let current = departmentId === null ? undefined : byId.get(departmentId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    names.unshift(current.name);
    current = current.parent_id === null ? undefined : byId.get(current.parent_id);
  }
  return names.join(' / ');
}

export function teamsOf(teams: readonly Team[], departmentId: number): Team[] {
  return teams
    .filter((team) => team.department_id === departmentId)
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id - b.id);
}
