import { describe, expect, it } from 'vitest';
import { departmentPath, departmentTree, parentChoices, subtreeIds, teamsOf } from './structure';
import type { Department, Team } from './types';

const dept = (id: number, name: string, parent_id: number | null): Department => ({
  id,
  name,
  parent_id,
  people_count: 0,
  team_count: 0,
});

const kDepartments = [
  dept(1, 'Engineering', null),
  dept(2, 'Platform', 1),
  dept(3, 'Apps', 1),
  dept(4, 'Sales', null),
  dept(5, 'Storage', 2),
];

describe('departmentTree', () => {
  it('lists parents before children, siblings by name, with depths', () => {
    const tree = departmentTree(kDepartments).map((node) => `${node.depth}:${node.department.name}`);
    expect(tree).toEqual(['0:Engineering', '1:Apps', '1:Platform', '2:Storage', '0:Sales']);
  });

  it('shows orphans as roots and survives a cycle', () => {
    const tree = departmentTree([dept(1, 'A', 2), dept(2, 'B', 1), dept(3, 'C', 99)]);
    expect(tree.map((node) => node.department.id).sort()).toEqual([1, 2, 3]);
    expect(tree.find((node) => node.department.id === 3)?.depth).toBe(0);
  });
});

describe('moving departments', () => {
  it('never offers a department itself or its descendants as the new parent', () => {
    expect([...subtreeIds(kDepartments, 1)].sort()).toEqual([1, 2, 3, 5]);
    expect(parentChoices(kDepartments, 2).map((d) => d.id)).toEqual([1, 3, 4]);
    expect(parentChoices(kDepartments, 4).map((d) => d.id)).toEqual([1, 2, 3, 5]);
  });

  it('names a department by its path', () => {
    expect(departmentPath(kDepartments, 5)).toBe('Engineering / Platform / Storage');
    expect(departmentPath(kDepartments, null)).toBe('');
    expect(departmentPath([dept(1, 'A', 2), dept(2, 'B', 1)], 1)).toBe('B / A');
  });
});

describe('teamsOf', () => {
  it("picks a department's teams sorted by name", () => {
    const team = (id: number, name: string, department_id: number): Team => ({ id, name, department_id, member_count: 0, manager_ids: [] });
    const teams = [team(1, 'zeta', 2), team(2, 'Alpha', 2), team(3, 'beta', 3)];
    expect(teamsOf(teams, 2).map((t) => t.name)).toEqual(['Alpha', 'zeta']);
    expect(teamsOf(teams, 9)).toEqual([]);
  });
});
