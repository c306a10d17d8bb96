import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { RequestMethod } from '@nestjs/common';
import { ROUTE_ACCESS, type RouteAccess } from '../../backend/src/platform/http/index.js';

export interface RouteInfo {
  method: string;
  path: string;
  handler: string;
  access: RouteAccess | undefined;
}

/** Every route registered in the running app, read from the controllers Nest actually loaded. */
export function registeredRoutes(app: INestApplication): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const fn = proto[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (method === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, fn) ?? '');
        const path = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        const access = (Reflect.getMetadata(ROUTE_ACCESS, fn) ?? Reflect.getMetadata(ROUTE_ACCESS, controller)) as RouteAccess | undefined;
        routes.push({ method: RequestMethod[method], path, handler: `${controller.name}.${name}`, access });
      }
    }
  }
  return routes;
}
