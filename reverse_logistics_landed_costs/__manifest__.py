{
    "name": "Reverse Logistics: Customs Duties as Landed Costs",
    "summary": "Duties customs assess on returned goods raise the cost of the returned units",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/reverse-logistics/reverse_logistics",
    "author": "Reverse Logistics Contributors",
    "license": "LGPL-3",
    "depends": ["reverse_logistics", "stock_landed_costs"],
    "data": [
        "views/res_company_views.xml",
    ],
    "auto_install": True,
}
