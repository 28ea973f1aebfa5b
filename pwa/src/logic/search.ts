// Searching customers on the device as the server's list search does (any part of the name or
// English name, any case; the whole customer number): pure, so unit tests can call it.
import type { CustomerSummary } from '../data/api';

export function matchCustomers(items: CustomerSummary[], text: string): CustomerSummary[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  return items
    .filter((c) => [c.name, c.name_en].some((field) => field?.toLowerCase().includes(needle)) || c.external_id === text.trim())
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.id - b.id);
}
